"""福彩暖冬: the application workbook's rules, validation, history and allocation."""
