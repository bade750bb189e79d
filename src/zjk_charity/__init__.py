"""zjk-charity: 福彩暖冬 aid and 微心愿 matching for Zhangjiakou's civil-affairs offices.

The library never prints and never exits; the command line (``zjk_charity.cli``) is a
thin layer that renders the library's typed results.
"""

__version__ = "0.1.0"
