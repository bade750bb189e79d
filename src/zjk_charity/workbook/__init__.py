"""All reading and writing of .xlsx/.xlsm/.xls/.csv: the only package that imports
calamine, openpyxl or xlsxwriter."""
