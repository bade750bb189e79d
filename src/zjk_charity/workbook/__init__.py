"""All reading and writing of .xlsx/.xlsm/.xls/.csv: the only package that imports
python-calamine (reading) or xlsxwriter (writing)."""
