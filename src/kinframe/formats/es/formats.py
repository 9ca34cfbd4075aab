"""Spanish as the families who use Kinframe write it: US Spanish (CLDR ``es-US``).

Django's own ``es`` formats are Spain's ("1.234,50"); in the United States, Spanish speakers write
amounts the American way ("$1,234.50") and read dates in Spanish words. Everything not set here
falls back to Django's ``es`` module (month names, "j \\d\\e F \\d\\e Y").
"""

DATE_FORMAT = r"j \d\e F \d\e Y"
DATETIME_FORMAT = r"j \d\e F \d\e Y, H:i"
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
MONTH_DAY_FORMAT = r"j \d\e F"
YEAR_MONTH_FORMAT = r"F \d\e Y"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
