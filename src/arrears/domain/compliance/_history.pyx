# cython: language_level=3, cdivision=True
"""The usual contact history read at C speed: ``parse._plain_events``, compiled.

A dialler list carries about twenty events per borrower, each a JSON object whose time is
written ``YYYY-MM-DDTHH:MM:SS`` and an offset; reading them one by one in Python is most
of the cost of a decision. This reads the same objects with the timestamp's digits taken
in C and the time moved to UTC by integer arithmetic.

``plain_events`` returns exactly the list ``parse._plain_events`` returns for the same
history and floor, or None whenever the history is anything but that plain case: a
timestamp written another way, a field left out, a value of another type, an offset not
seen before. None only means "read it in Python": ``parse.parse_history`` then does, and
names any error. Property tests hold the two readings equal.

``tally`` counts the parsed events as ``engine._tally_*`` do, for the pack's counters.
"""

from cpython.datetime cimport (
    datetime,
    datetime_day,
    datetime_hour,
    datetime_microsecond,
    datetime_minute,
    datetime_month,
    datetime_new,
    datetime_second,
    datetime_year,
    import_datetime,
    timedelta,
    timedelta_days,
    timedelta_microseconds,
    timedelta_seconds,
)

import_datetime()

cdef extern from *:
    const char *ARREARS_SOURCE_SHA256

#: SHA-256 of the source this module was compiled from
SOURCE_SHA256 = ARREARS_SOURCE_SHA256.decode("ascii")

cdef long long _US_PER_DAY = 86400000000LL
cdef long long _US_PER_SEC = 1000000LL
#: 0001-01-01T00:00:00 and 9999-12-31T23:59:59.999999 in microseconds since 1970
cdef long long _MIN_US = -62135596800000000LL
cdef long long _MAX_US = 253402300799999999LL
#: days in each month (1-12) of a common year; the rest pads the table to 16
cdef int[16] _MONTH_DAYS = [0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31, 0, 0, 0]


cdef inline long long _days_from_civil(long long y, long long m, long long d) noexcept:
    """Days since 1970-01-01 of a proleptic Gregorian date (year >= 1)."""
    cdef long long era, yoe, doy, doe
    if m <= 2:
        y -= 1
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m - 3 if m > 2 else m + 9) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


cdef inline int _digits(str s, Py_ssize_t at, Py_ssize_t n) noexcept:
    """The number written by ``n`` ASCII digits at ``at``, or -1."""
    cdef int value = 0
    cdef Py_ssize_t i
    cdef Py_UCS4 c
    for i in range(at, at + n):
        c = s[i]
        if c < 48 or c > 57:
            return -1
        value = value * 10 + (<int>c - 48)
    return value


cdef inline bint _local_us(str at, long long *out) noexcept:
    """``at[:19]`` (``YYYY-MM-DDTHH:MM:SS``) as microseconds since 1970-01-01, taking the
    written time as if it were UTC; False for anything ``datetime.fromisoformat`` might
    read otherwise or refuse (the caller then leaves the history to Python)."""
    cdef int y, mo, d, h, mi, s, last
    if (at[4] != u"-" or at[7] != u"-" or at[10] != u"T" or at[13] != u":"
            or at[16] != u":"):
        return False
    y = _digits(at, 0, 4)
    mo = _digits(at, 5, 2)
    d = _digits(at, 8, 2)
    h = _digits(at, 11, 2)
    mi = _digits(at, 14, 2)
    s = _digits(at, 17, 2)
    if y < 1 or mo < 1 or mo > 12 or d < 1 or h < 0 or h > 23 or mi < 0 or mi > 59 or (
            s < 0 or s > 59):
        return False
    last = _MONTH_DAYS[mo & 15]
    if mo == 2 and (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)):
        last = 29
    if d > last:
        return False
    out[0] = ((_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s) * _US_PER_SEC)
    return True


cdef inline long long _naive_us(datetime value) noexcept:
    return ((_days_from_civil(datetime_year(value), datetime_month(value),
                              datetime_day(value)) * 86400
             + datetime_hour(value) * 3600 + datetime_minute(value) * 60
             + datetime_second(value)) * _US_PER_SEC + datetime_microsecond(value))


cdef object _as_datetime(long long us):
    """Microseconds since 1970-01-01 as a naive datetime, or None outside years 1-9999."""
    cdef long long z, era, doe, yoe, y, doy, mp, d, m, rest
    z = us // _US_PER_DAY
    rest = us - z * _US_PER_DAY
    if rest < 0:
        z -= 1
        rest += _US_PER_DAY
    z += 719468
    if z < 306:  # before 0001-01-01
        return None
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    if m <= 2:
        y += 1
    if y > 9999:
        return None
    return datetime_new(<int>y, <int>m, <int>d, <int>(rest // 3600000000LL),
                        <int>(rest // 60000000LL % 60), <int>(rest // _US_PER_SEC % 60),
                        <int>(rest % _US_PER_SEC), None)


cdef inline bint _offset_us(object offset, long long *out) noexcept:
    if type(offset) is not timedelta:
        return False
    out[0] = (timedelta_days(offset) * _US_PER_DAY + timedelta_seconds(offset) * _US_PER_SEC
              + timedelta_microseconds(offset))
    return True


def plain_events(list raw, str day, str text, str suffix, datetime lowest, dict offsets,
                 frozenset channels, frozenset results, frozenset inbound):
    """``parse._plain_events(raw, Floor(lowest, text, suffix, day))``, or None for "read
    it in Python" (see the module's words)."""
    cdef list out = []
    cdef long long low = _naive_us(lowest)
    cdef long long own = 0, off = 0, local = 0, when = 0
    cdef bint has_own = False
    cdef bint by_day = len(day) > 0
    cdef Py_ssize_t n = len(raw), i
    cdef object ev, at_obj, channel, party, cid, value, debt, result, by, moment
    cdef str at, tail
    if suffix:
        found = offsets.get(suffix)
        if found is not None:
            has_own = _offset_us(found, &own)
    for i in range(n):
        ev = raw[i]
        if type(ev) is not dict:
            return None
        at_obj = (<dict>ev).get("at")
        if type(at_obj) is not str:
            return None
        at = <str>at_obj
        if by_day and at < day:
            continue  # dated a day before the floor, in any offset
        if len(at) < 20:
            return None
        tail = at[19:]
        if tail == suffix:
            if at < text and at[10] == u"T":
                continue  # written like the attempt, before the floor
            if not has_own:
                return None
            off = own
        else:
            found = offsets.get(tail)
            if found is None or not _offset_us(found, &off):
                return None
        channel = (<dict>ev).get("channel")
        party = (<dict>ev).get("party")
        cid = (<dict>ev).get("contact_id")
        value = (<dict>ev).get("contact_value")
        debt = (<dict>ev).get("debt_id")
        result = (<dict>ev).get("result")
        by = (<dict>ev).get("initiated_by")
        if (channel is None or party is None and "party" not in ev or cid is None
                and "contact_id" not in ev or value is None and "contact_value" not in ev
                or debt is None and "debt_id" not in ev or result is None
                or by is None and "initiated_by" not in ev):
            return None  # a field left out: Python names it
        if not _local_us(at, &local):
            return None
        when = local - off
        if when < _MIN_US or when > _MAX_US:
            return None  # in UTC before year 1 or after 9999: Python says so
        if when < low:
            continue
        if (type(channel) is not str or channel not in channels or type(result) is not str
                or result not in results or (party is not None and type(party) is not str)
                or (by is not None and type(by) is not str)):
            return None
        moment = _as_datetime(when)
        if moment is None:
            return None
        out.append((moment, channel, party or "self", cid, value, debt, result,
                    by in inbound, (<dict>ev).get("with_consent") is True))
    return out


def tally(str pack, object history, object value, object cid, object debt,
          frozenset borrower, frozenset not_connected):
    """``engine._TALLIES[pack]`` for an attempt to ``value`` / ``cid`` about ``debt``: the
    sorted times of the events each counter of the pack counts (see ``engine._tally_*``),
    or None ("count in Python") for a pack it does not know or events that are not
    tuples."""
    cdef list first = [], second = []
    for item in history:
        if type(item) is not tuple or len(<tuple>item) < 9:
            return None
    cdef tuple ev
    cdef bint anyone = value is None and cid is None
    cdef object result, party, channel
    if pack == "cn":
        names = ("unanswered", "conversations")
        for item in history:
            ev = <tuple>item
            if ev[7]:
                continue  # the customer called us
            result, channel = ev[6], ev[1]
            if result == "conversation":
                if ev[2] in borrower and (channel == "call" or channel == "visit"):
                    second.append(ev[0])
            elif channel == "call" and (anyone or (value is not None and ev[4] == value)
                                        or (cid is not None and ev[3] == cid)):
                first.append(ev[0])
    elif pack == "gb":
        names = ("borrower_calls", "conversations")
        for item in history:
            ev = <tuple>item
            if ev[7] or ev[2] not in borrower:
                continue
            channel = ev[1]
            if channel == "call":
                first.append(ev[0])
            if ev[6] == "conversation" and (channel == "call" or channel == "visit"):
                second.append(ev[0])
    elif pack == "us":
        names = ("debt_calls", "debt_conversations")
        for item in history:
            ev = <tuple>item
            if ev[1] != "call" or ev[7] or (debt is not None and ev[5] is not None
                                             and ev[5] != debt):
                continue
            result = ev[6]
            if result in not_connected:
                continue
            if not ev[8]:
                first.append(ev[0])
            if result == "conversation" and ev[2] in borrower:
                second.append(ev[0])
    else:
        return None
    first.sort()
    second.sort()
    return {names[0]: first, names[1]: second}
