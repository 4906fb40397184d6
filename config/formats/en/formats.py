# English dates for Delay Desk: a 24-hour clock, so a sentence ending in a time does not end in
# "p.m.." (Django's default ends with "p.m.").
DATETIME_FORMAT = "N j, Y, H:i"
SHORT_DATETIME_FORMAT = "m/d/Y H:i"
TIME_FORMAT = "H:i"
