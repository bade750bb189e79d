from zjk_charity.cli.main import run

run()
