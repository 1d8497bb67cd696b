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

``decide_timed`` goes further for a call: from the history as written to the checks of
time and counters and the next allowed time, on a table of local midnights
(``ZoneDays``); see ``engine.decide_unread``, which asks it and builds the decision.

``PlainCalls.answer`` is the whole answer of such a call, and ``read_line`` takes a
scenario's JSON line apart so that it reads the history from the line's bytes.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize
from cpython.dict cimport PyDict_Copy, PyDict_GetItem, PyDict_Next
from cpython.list cimport PyList_GET_ITEM
from cpython.mem cimport PyMem_Free, PyMem_Malloc, PyMem_Realloc
from cpython.ref cimport PyObject
from cpython.unicode cimport PyUnicode_DecodeASCII
from libc.stdlib cimport qsort
from libc.stdint cimport uint64_t
from libc.string cimport memchr, memcmp, memcpy
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

cdef extern from *:
    """
    /* Ask for the memory at p ahead of its use (a hint: never a fault). */
    static inline void arrears_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }
    /* The entries of a dict: its keys object (CPython's own layout, read only as a hint). */
    static inline const char *arrears_dict_keys(PyObject *d) {
        return (const char *)((PyDictObject *)d)->ma_keys;
    }
    """
    void _prefetch "arrears_prefetch"(const void *p) noexcept nogil
    const char *_dict_keys "arrears_dict_keys"(PyObject *d) noexcept

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


cdef extern from "Python.h":
    bint PyUnicode_IS_READY(object o)
    unsigned int PyUnicode_KIND(object o)
    void *PyUnicode_DATA(object o)
    Py_ssize_t PyUnicode_GET_LENGTH(object o)
    int PyUnicode_1BYTE_KIND


cdef inline const unsigned char *_latin1(str s) noexcept:
    """The characters of ``s`` when each is one byte (every ASCII text), else NULL."""
    if not PyUnicode_IS_READY(s) or PyUnicode_KIND(s) != PyUnicode_1BYTE_KIND:
        return NULL
    return <const unsigned char *>PyUnicode_DATA(s)


cdef inline int _digits(const unsigned char *s, int n) noexcept:
    """The number written by ``n`` ASCII digits at ``s``, or -1."""
    cdef int value = 0
    cdef int i
    cdef unsigned char c
    for i in range(n):
        c = s[i]
        if c < 48 or c > 57:
            return -1
        value = value * 10 + (c - 48)
    return value


cdef inline bint _local_ascii(const unsigned char *at, long long *out) noexcept:
    """The 19 characters at ``at`` (``YYYY-MM-DDTHH:MM:SS``) as microseconds since
    1970-01-01, taking the written time as if it were UTC; False for anything
    ``datetime.fromisoformat`` might read otherwise or refuse (the caller then leaves the
    history to Python)."""
    cdef int y, mo, d, h, mi, s, last
    if at[4] != 45 or at[7] != 45 or at[10] != 84 or at[13] != 58 or at[16] != 58:
        return False  # '-', '-', 'T', ':', ':'
    y = _digits(at, 4)
    mo = _digits(at + 5, 2)
    d = _digits(at + 8, 2)
    h = _digits(at + 11, 2)
    mi = _digits(at + 14, 2)
    s = _digits(at + 17, 2)
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


cdef inline bint _local_us(str at, long long *out) noexcept:
    """``_local_ascii`` of a text of at least 19 characters."""
    cdef const unsigned char *chars = _latin1(at)
    if chars == NULL or PyUnicode_GET_LENGTH(at) < 19:
        return False
    return _local_ascii(chars, out)


cdef inline long long _naive_us(datetime value) noexcept:
    return ((_days_from_civil(datetime_year(value), datetime_month(value),
                              datetime_day(value)) * 86400
             + datetime_hour(value) * 3600 + datetime_minute(value) * 60
             + datetime_second(value)) * _US_PER_SEC + datetime_microsecond(value))


cdef inline bint _civil(long long z, int *year, int *month, int *day) noexcept:
    """The proleptic Gregorian date ``z`` days after 1970-01-01; False outside years
    1-9999 (what ``datetime`` writes)."""
    cdef long long era, doe, yoe, y, doy, mp, d, m
    z += 719468
    if z < 306:  # before 0001-01-01
        return False
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
        return False
    year[0], month[0], day[0] = <int>y, <int>m, <int>d
    return True


cdef inline void _write_digits(char *out, long long value, int width) noexcept:
    """``value`` (not negative) in ``width`` decimal digits, zero-padded."""
    cdef int i
    for i in range(width - 1, -1, -1):
        out[i] = <char>(48 + value % 10)
        value //= 10


cdef inline bint _write_date(char *text, long long z) noexcept:
    """Day ``z`` after 1970-01-01 as YYYY-MM-DD in ``text`` (ten characters); False
    outside years 1-9999."""
    cdef int y, m, d
    if not _civil(z, &y, &m, &d):
        return False
    _write_digits(text, y, 4)
    text[4] = 45  # '-'
    _write_digits(text + 5, m, 2)
    text[7] = 45
    _write_digits(text + 8, d, 2)
    return True


cdef object _as_datetime(long long us):
    """Microseconds since 1970-01-01 as a naive datetime, or None outside years 1-9999."""
    cdef long long z = us // _US_PER_DAY
    cdef long long rest = us - z * _US_PER_DAY
    cdef int y, m, d
    if rest < 0:
        z -= 1
        rest += _US_PER_DAY
    if not _civil(z, &y, &m, &d):
        return None
    return datetime_new(y, m, d, <int>(rest // 3600000000LL),
                        <int>(rest // 60000000LL % 60), <int>(rest // _US_PER_SEC % 60),
                        <int>(rest % _US_PER_SEC), None)


cdef inline bint _offset_us(object offset, long long *out) noexcept:
    if type(offset) is not timedelta:
        return False
    out[0] = (timedelta_days(offset) * _US_PER_DAY + timedelta_seconds(offset) * _US_PER_SEC
              + timedelta_microseconds(offset))
    return True


cdef inline bint _left_out(dict ev, object channel, object party, object cid, object value,
                           object debt, object result, object by):
    """A field of the spec's event left out (None where a value may be None)."""
    return (channel is None or party is None and "party" not in ev or cid is None
            and "contact_id" not in ev or value is None and "contact_value" not in ev
            or debt is None and "debt_id" not in ev or result is None
            or by is None and "initiated_by" not in ev)


cdef inline bint _same(str a, str b) noexcept:
    """``a == b`` for two texts, without the general comparison's dispatch: texts read
    from JSON are new objects with no hash yet, compared byte for byte."""
    cdef Py_ssize_t n
    cdef unsigned int kind
    if a is b:
        return True
    n = PyUnicode_GET_LENGTH(a)
    kind = PyUnicode_KIND(a)
    if n != PyUnicode_GET_LENGTH(b) or kind != PyUnicode_KIND(b):
        return False
    return memcmp(PyUnicode_DATA(a), PyUnicode_DATA(b), n * kind) == 0


cdef inline bint _equal(object a, object b) except -1:
    """``a == b``, byte for byte when both are texts."""
    if type(a) is str and type(b) is str:
        return _same(<str>a, <str>b)
    return a == b


cdef inline bint _among(str word, tuple words) noexcept:
    """``word in words`` for texts, without hashing ``word``: a text just read from JSON
    has no hash yet, and the vocabularies are a handful of words."""
    cdef object w
    for w in words:
        if _same(word, <str>w):
            return True
    return False


cdef str _CALL = "call", _VISIT = "visit", _CONVERSATION = "conversation"


cdef inline bint _odd(object channel, object party, object result, object by,
                      tuple channels, tuple results):
    """A value the Python reading refuses (or reads otherwise)."""
    return (type(channel) is not str or not _among(<str>channel, channels)
            or type(result) is not str or not _among(<str>result, results)
            or (party is not None and type(party) is not str)
            or (by is not None and type(by) is not str))


def plain_events(list raw, str day, str text, str suffix, datetime lowest, dict offsets,
                 frozenset channels, frozenset results, frozenset inbound):
    """``parse._plain_events(raw, Floor(lowest, text, suffix, day))``, or None for "read
    it in Python" (see the module's words)."""
    cdef tuple channel_words = tuple(channels), result_words = tuple(results)
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
        if _left_out(<dict>ev, channel, party, cid, value, debt, result, by):
            return None  # a field left out: Python names it
        if not _local_us(at, &local):
            return None
        when = local - off
        if when < _MIN_US or when > _MAX_US:
            return None  # in UTC before year 1 or after 9999: Python says so
        if when < low:
            continue
        if _odd(channel, party, result, by, channel_words, result_words):
            return None
        moment = _as_datetime(when)
        if moment is None:
            return None
        out.append((moment, channel, party or "self", cid, value, debt, result,
                    by in inbound, (<dict>ev).get("with_consent") is True))
    return out


cdef inline bint _equal_at(PyObject *a, object b) except -1:
    """``a == b`` for a field of an event, NULL when it is left out (None)."""
    if a == NULL:
        return b is None
    return _equal(<object>a, b)


cdef int _count_as(int p, str channel, str party, str result, bint inbound_event,
                   PyObject *ev_value, PyObject *ev_cid, PyObject *ev_debt, bint ev_consent,
                   object value, object cid, object debt, bint anyone, tuple borrower,
                   tuple not_connected) except -1:
    """Which of the pack's two counters count an event (``engine._tally_*``): 1 the
    first, 2 the second, 3 both, 0 neither. ``p``: 0 cn (unanswered calls to the dialled
    number; conversations), 1 us (connected calls about the debt without consent;
    conversations about it), 2 gb (calls to the borrower; conversations). ``party`` is
    already ``party or "self"``; ``ev_*`` are the event's contact, debt (borrowed; NULL
    when left out, which reads as None) and consent. An event's contact and debt are
    looked at only where the pack's counters read them: each is an object of its own,
    and reading it costs a trip to memory."""
    cdef int k = 0
    if p == 0:
        if inbound_event:
            return 0  # the customer called us
        if _same(result, _CONVERSATION):
            return 2 if _among(party, borrower) and (
                _same(channel, _CALL) or _same(channel, _VISIT)) else 0
        if _same(channel, _CALL) and (
                anyone or (value is not None and _equal_at(ev_value, value))
                or (cid is not None and _equal_at(ev_cid, cid))):
            return 1
        return 0
    if p == 1:
        if not _same(channel, _CALL) or inbound_event:
            return 0
        if (debt is not None and ev_debt != NULL and ev_debt != <PyObject *>None
                and not _equal(<object>ev_debt, debt)):
            return 0
        if _among(result, not_connected):
            return 0
        if not ev_consent:
            k = 1
        if _same(result, _CONVERSATION) and _among(party, borrower):
            k |= 2
        return k
    if inbound_event or not _among(party, borrower):
        return 0
    if _same(channel, _CALL):
        k = 1
    if _same(result, _CONVERSATION) and (_same(channel, _CALL) or _same(channel, _VISIT)):
        k |= 2
    return k


def tally(str pack, object history, object value, object cid, object debt,
          frozenset borrower_set, frozenset not_connected_set):
    """``engine._TALLIES[pack]`` for an attempt to ``value`` / ``cid`` about ``debt``: the
    sorted times of the events each counter of the pack counts (see ``engine._tally_*``),
    or None ("count in Python") for a pack it does not know or events that are not
    tuples."""
    cdef list first = [], second = []
    cdef tuple ev
    cdef object ev_value, ev_cid, ev_debt
    cdef int p, k
    cdef bint anyone = value is None and cid is None
    cdef tuple borrower = tuple(borrower_set), not_connected = tuple(not_connected_set)
    if pack not in _PACK_NAMES:
        return None
    for item in history:
        if type(item) is not tuple or len(<tuple>item) < 9:
            return None
    p = _PACK_NAMES.index(pack)
    for item in history:
        ev = <tuple>item
        ev_value, ev_cid, ev_debt = ev[4], ev[3], ev[5]
        k = _count_as(p, ev[1], ev[2], ev[6], ev[7], <PyObject *>ev_value, <PyObject *>ev_cid,
                      <PyObject *>ev_debt, bool(ev[8]), value, cid, debt, anyone, borrower,
                      not_connected)
        if k & 1:
            first.append(ev[0])
        if k & 2:
            second.append(ev[0])
    first.sort()
    second.sort()
    names = _COUNTER_NAMES[p]
    return {names[0]: first, names[1]: second}


_PACK_NAMES = ("cn", "us", "gb")
#: the counters of each pack, as ``engine._tally_*`` names them
_COUNTER_NAMES = (("unanswered", "conversations"), ("debt_calls", "debt_conversations"),
                  ("borrower_calls", "conversations"))


# ------------------------------------------------------------------ the timed decision
#
# ``decide_timed`` is ``engine.decide`` for a plain attempt (a call to the borrower with
# nothing on record: only the checks of time and counters can block), reading the
# scenario's history as written. Local days come from a table of local midnights
# (``ZoneDays``) in which every day of every candidate zone is 24 hours long: the local
# time of day is then the time since the day's midnight, and day arithmetic is index
# arithmetic. The engine builds no table across a change of offset; the decision is then
# made in Python.

cdef enum:
    _MAX_ZONES = 32
    _MAX_DAYS = 40

cdef enum:
    HOURS = 0
    DAILY_FIRST = 1
    DAILY_CONVERSATIONS = 2
    SEVEN_IN_SEVEN = 3
    CONVERSATION_PAUSE = 4
    PREFERRED_TIME = 5

#: what each pack's plain decision checks, in the pack's order
cdef int[3][4] _ORDER = [[HOURS, DAILY_FIRST, DAILY_CONVERSATIONS, -1],
                         [HOURS, SEVEN_IN_SEVEN, CONVERSATION_PAUSE, -1],
                         [HOURS, PREFERRED_TIME, DAILY_FIRST, DAILY_CONVERSATIONS]]
cdef int[3] _CHECKS = [3, 3, 4]


cdef class ZoneDays:
    """Local midnights (UTC microseconds) of the candidate zones on the same run of local
    dates, day 0 being ``first_ordinal``; every day is 24 hours long in every zone."""

    cdef int nz, nd
    cdef long long mids[_MAX_ZONES][_MAX_DAYS]
    cdef readonly long long first_ordinal
    cdef readonly tuple zones
    cdef readonly tuple names

    def __init__(self, tuple zones, long long first_ordinal, list rows):
        cdef int z, k
        cdef list row
        if not rows or len(rows) != len(zones) or len(rows) > _MAX_ZONES:
            raise ValueError("one row of midnights per zone, at most 32 zones")
        self.nz = len(rows)
        self.nd = len(rows[0])
        if self.nd < 2 or self.nd > _MAX_DAYS:
            raise ValueError("2 to 40 days")
        for z in range(self.nz):
            row = rows[z]
            if len(row) != self.nd:
                raise ValueError("as many days in every zone")
            for k in range(self.nd):
                self.mids[z][k] = row[k]
                if k and self.mids[z][k] - self.mids[z][k - 1] != _US_PER_DAY:
                    raise ValueError("a day that is not 24 hours long")
        self.first_ordinal = first_ordinal
        self.zones = zones
        self.names = tuple(str(tz) for tz in zones)

    def midnight(self, int z, int k):
        """Local midnight of day ``k`` in zone ``z`` (UTC microseconds)."""
        if z < 0 or z >= self.nz or k < 0 or k >= self.nd:
            raise IndexError("outside the table")
        return self.mids[z][k]


cdef inline int _day(ZoneDays zd, int z, long long x) noexcept:
    """The local day of ``x`` in zone ``z``, or -1 outside the table (its last day has no
    end in it, so it is outside too)."""
    cdef long long since = x - zd.mids[z][0]
    cdef long long k
    if since < 0:
        return -1
    k = since // _US_PER_DAY
    if k >= zd.nd - 1:
        return -1
    return <int>k


cdef inline Py_ssize_t _bisect(long long *a, Py_ssize_t n, long long x) noexcept:
    cdef Py_ssize_t lo = 0, hi = n, mid
    while lo < hi:
        mid = (lo + hi) >> 1
        if a[mid] < x:
            lo = mid + 1
        else:
            hi = mid
    return lo


cdef inline long long _between(long long *a, Py_ssize_t n, long long start,
                               long long end) noexcept:
    return _bisect(a, n, end) - _bisect(a, n, start)


cdef int _compare(const void *a, const void *b) noexcept nogil:
    cdef long long x = (<const long long *>a)[0]
    cdef long long y = (<const long long *>b)[0]
    return (x > y) - (x < y)


cdef struct Found:
    int kind
    int z
    int k
    long long a
    long long b
    long long nxt
    bint has_next


cdef enum:
    _MAX_WINDOWS = 8

cdef struct Windows:
    # windows of the local day in seconds, [start, end), wrapping past midnight when
    # start >= end (``engine._in_window``)
    int n
    long long start[_MAX_WINDOWS]
    long long end[_MAX_WINDOWS]


cdef inline bint _in_window(long long secs, long long start, long long end) noexcept:
    if start < end:
        return start <= secs < end
    return secs >= start or secs < end


cdef inline bint _in_any(long long secs, Windows *w) noexcept:
    cdef int i
    for i in range(w.n):
        if _in_window(secs, w.start[i], w.end[i]):
            return True
    return False


cdef int _windows(object given, Windows *w) except -1:
    """``given`` (a tuple of (start, end) seconds, or None) into ``w``; 0 when there are
    more than it holds."""
    cdef tuple pair
    w.n = 0
    if given is None:
        return 1
    if len(given) > _MAX_WINDOWS:
        return 0
    for pair in given:
        w.start[w.n], w.end[w.n] = pair[0], pair[1]
        w.n += 1
    return 1


cdef inline long long _at_secs(ZoneDays zd, int z, int k, long long secs, long long at,
                               bint *inside) noexcept:
    """``engine._at_secs``: the next moment at or after local ``secs`` (seconds of day
    ``k`` in zone ``z``) whose local time of day is ``at``; ``inside`` False when it is
    past the table."""
    cdef int day = k + 1 if at <= secs else k
    if at >= 86400:
        day += 1
        if day >= zd.nd:
            inside[0] = False
            return 0
        inside[0] = True
        return zd.mids[z][day]
    if day >= zd.nd:
        inside[0] = False
        return 0
    inside[0] = True
    return zd.mids[z][day] + at * _US_PER_SEC


cdef struct Counted:
    long long *first    # cn: unanswered calls to the number; gb: borrower calls; us: debt calls
    Py_ssize_t n
    long long *second   # conversations (us: about the debt)
    Py_ssize_t m


cdef int _hours(ZoneDays zd, long long x, long long ws, long long we, Windows *lifts,
                Found *f) noexcept:
    """``engine.check_hours``: the zone that reopens last; a time the borrower consented
    to (``lifts``) is allowed."""
    cdef int z, k, status = 0
    cdef long long secs, reopen
    cdef bint inside
    for z in range(zd.nz):
        k = _day(zd, z, x)
        if k < 0:
            return -1
        secs = (x - zd.mids[z][k]) // _US_PER_SEC
        if _in_window(secs, ws, we) or (lifts.n and _in_any(secs, lifts)):
            continue
        reopen = _at_secs(zd, z, k, secs, ws, &inside)
        if not inside:
            return -1
        if status == 0 or reopen > f.nxt:
            status = 1
            # the minute is all the words need (and decisions of one minute look alike)
            f.kind, f.z, f.k, f.a, f.b = HOURS, z, k, secs // 60 * 60, 0
            f.nxt, f.has_next = reopen, True
    return status


cdef int _preferred(ZoneDays zd, long long x, Windows *w, Found *f) noexcept:
    """``engine.check_preferred_time`` (gb): the first zone outside every window the
    borrower prefers, reopening at the earliest of their starts."""
    cdef int z, k, i
    cdef long long secs, reopen, soonest = 0
    cdef bint inside
    if w.n == 0:
        return 0
    for z in range(zd.nz):
        k = _day(zd, z, x)
        if k < 0:
            return -1
        secs = (x - zd.mids[z][k]) // _US_PER_SEC
        if _in_any(secs, w):
            continue
        for i in range(w.n):
            reopen = _at_secs(zd, z, k, secs, w.start[i], &inside)
            if not inside:
                return -1
            if i == 0 or reopen < soonest:
                soonest = reopen
        f.kind, f.z, f.k, f.a, f.b = PREFERRED_TIME, z, k, secs // 60 * 60, 0
        f.nxt, f.has_next = soonest, True
        return 1
    return 0


cdef int _daily(ZoneDays zd, long long x, long long *times, Py_ssize_t n, int cap, int kind,
                Found *f) noexcept:
    """``engine._daily_cap``: the first zone whose local day holds ``cap`` events."""
    cdef int z, k
    cdef long long count
    if cap < 0 or n < cap:
        return 0
    for z in range(zd.nz):
        k = _day(zd, z, x)
        if k < 0:
            return -1
        count = _between(times, n, zd.mids[z][k], zd.mids[z][k + 1])
        if count >= cap:
            f.kind, f.z, f.k, f.a, f.b = kind, z, k, count, 0
            f.nxt, f.has_next = zd.mids[z][k + 1], cap > 0
            return 1
    return 0


cdef int _seven_in_seven(ZoneDays zd, long long x, long long *times, Py_ssize_t n, int cap,
                         Found *f) noexcept:
    """``engine.check_us_7in7`` without consent."""
    cdef int z, k, j, free
    cdef long long count
    if cap < 0 or n < cap:
        return 0
    for z in range(zd.nz):
        k = _day(zd, z, x)
        if k < 6 or k + 8 >= zd.nd:
            return -1
        count = _between(times, n, zd.mids[z][k - 6], zd.mids[z][k + 1])
        if count < cap:
            continue
        free = k + 7
        for j in range(1, 8):
            if _between(times, n, zd.mids[z][k + j - 6], zd.mids[z][k + j + 1]) < cap:
                free = k + j
                break
        f.kind, f.z, f.k, f.a = SEVEN_IN_SEVEN, z, k, count
        if count:
            f.b = (times[_bisect(times, n, zd.mids[z][k - 6])] - zd.mids[z][0]) // _US_PER_DAY
        else:
            f.b = k
        f.nxt, f.has_next = zd.mids[z][free], cap > 0
        return 1
    return 0


cdef int _pause(ZoneDays zd, long long x, long long *times, Py_ssize_t n, int days,
                Found *f) noexcept:
    """``engine.check_us_conversation`` without consent."""
    cdef int z, k, since, last, until
    cdef Py_ssize_t i
    if days < 0 or n == 0:
        return 0
    for z in range(zd.nz):
        k = _day(zd, z, x)
        if k < 0:
            return -1
        since = k - (days - 1)
        if since < 0 or since >= zd.nd:
            return -1
        i = _bisect(times, n, zd.mids[z][k + 1]) - 1
        if i < 0 or times[i] < zd.mids[z][since]:
            continue
        last = <int>((times[i] - zd.mids[z][0]) // _US_PER_DAY)
        until = last + days
        if until >= zd.nd:
            return -1
        f.kind, f.z, f.k, f.a, f.b = CONVERSATION_PAUSE, z, k, last, until
        f.nxt, f.has_next = zd.mids[z][until], True
        return 1
    return 0


cdef int _check(int kind, ZoneDays zd, long long x, Counted *c, bint hours, long long ws,
                long long we, int cap1, int cap2, Windows *lifts, Windows *preferred,
                Found *f) noexcept:
    if kind == HOURS:
        return _hours(zd, x, ws, we, lifts, f) if hours else 0
    if kind == PREFERRED_TIME:
        return _preferred(zd, x, preferred, f)
    if kind == DAILY_FIRST:
        return _daily(zd, x, c.first, c.n, cap1, DAILY_FIRST, f)
    if kind == DAILY_CONVERSATIONS:
        return _daily(zd, x, c.second, c.m, cap2, DAILY_CONVERSATIONS, f)
    if kind == SEVEN_IN_SEVEN:
        return _seven_in_seven(zd, x, c.first, c.n, cap1, f)
    return _pause(zd, x, c.second, c.m, cap2, f)


#: the fields of an event the compiled reading needs, by index
cdef enum:
    F_AT = 0
    F_CHANNEL = 1
    F_PARTY = 2
    F_CID = 3
    F_VALUE = 4
    F_DEBT = 5
    F_RESULT = 6
    F_BY = 7
    F_CONSENT = 8
    _FIELDS = 9
    _SLOTS = 16

cdef tuple _EVENT_KEYS = ("at", "channel", "party", "contact_id", "contact_value", "debt_id",
                          "result", "initiated_by", "with_consent")


cdef inline int _key_index(object key) except -3:
    """The field a key names (-1 another field, -2 a key that is not a plain text)."""
    cdef int i
    if type(key) is not str:
        return -2
    for i in range(_FIELDS):
        if <str>key == <str>_EVENT_KEYS[i]:
            return i
    return -1


cdef inline object _value(PyObject *found):
    return None if found == NULL else <object>found


cdef inline bint _utc(const unsigned char *chars, long long off, long long *when) noexcept:
    """The time written at ``chars`` (``_local_ascii``) less its offset ``off``: UTC
    microseconds, within what ``datetime`` holds."""
    cdef long long local
    if not _local_ascii(chars, &local):
        return False
    when[0] = local - off
    return _MIN_US <= when[0] <= _MAX_US


cdef inline void _add(Counted *c, int k, long long when) noexcept:
    """An event at ``when`` in the counters ``k`` names (``_count_as``)."""
    if k & 1:
        c.first[c.n] = when
        c.n += 1
    if k & 2:
        c.second[c.m] = when
        c.m += 1


cdef inline void _sort(Counted *c) noexcept:
    """The counted times in order."""
    if c.n > 1:
        qsort(c.first, c.n, sizeof(long long), _compare)
    if c.m > 1:
        qsort(c.second, c.m, sizeof(long long), _compare)


cdef inline void _ahead(list raw, Py_ssize_t i, Py_ssize_t n, bint values) noexcept:
    """Ask for what reading the next events touches, in stages, while event ``i`` is
    read: the dict of event ``i + 3``, the entries of event ``i + 2`` (its dict asked
    for before) and, with ``values`` (events are being read whole, not only their times),
    the values of event ``i + 1`` (its entries asked for before). Out of range: nothing."""
    cdef PyObject *d
    cdef PyObject *key
    cdef PyObject *value
    cdef const char *entries
    cdef Py_ssize_t pos = 0
    if 0 <= i + 3 < n:
        _prefetch(PyList_GET_ITEM(raw, i + 3))
    if 0 <= i + 2 < n:
        d = PyList_GET_ITEM(raw, i + 2)
        if type(<object>d) is dict:
            entries = _dict_keys(d)
            _prefetch(entries)
            _prefetch(entries + 64)
            _prefetch(entries + 128)
            _prefetch(entries + 192)
    if values and 0 <= i + 1 < n:
        d = PyList_GET_ITEM(raw, i + 1)
        if type(<object>d) is dict:
            while PyDict_Next(<object>d, &pos, &key, &value):
                _prefetch(value)


cdef int _read(int pack, list raw, long long floor, object value, object cid, object debt,
               dict offsets, tuple channels, tuple results, tuple inbound, tuple borrower,
               tuple not_connected, Counted *c) except -2:
    """The history's events from ``floor`` on, counted as ``engine._tally_*`` counts
    them; -1 for anything but the usual history (read it in Python).

    Each event's entries are read in one pass, in the order they were written: a log
    writes its events alike, so from the second event on, the key at each place is
    known by its address and no field is looked up by its name."""
    cdef Py_ssize_t i, size, tail_size = 0, pos
    cdef object ev, at_obj, channel, party, result, by, found
    cdef object tail_owner = None
    cdef int k, slot, index
    cdef const unsigned char *chars
    cdef const unsigned char *tail = NULL
    cdef long long off = 0, when
    cdef bint anyone = value is None and cid is None
    cdef PyObject *key
    cdef PyObject *entry
    cdef PyObject *fields[_FIELDS]
    cdef PyObject *keys[_SLOTS]
    cdef int known[_SLOTS]
    cdef Py_ssize_t n = len(raw)
    cdef bint reading = False
    for slot in range(_SLOTS):
        keys[slot] = NULL
    # the events a JSON reader has just made are read from memory more than from the
    # cache: what each event touches is asked for while the events before it are read
    _ahead(raw, -2, n, False)
    _ahead(raw, -1, n, False)
    for i in range(n):
        _ahead(raw, i, n, reading)
        ev = raw[i]
        if type(ev) is not dict:
            return -1
        for k in range(_FIELDS):
            fields[k] = NULL
        pos = 0
        slot = 0
        while PyDict_Next(ev, &pos, &key, &entry):
            if slot < _SLOTS and key == keys[slot]:
                index = known[slot]
            else:
                index = _key_index(<object>key)
                if index == -2:
                    return -1
                if slot < _SLOTS:
                    keys[slot], known[slot] = key, index
            if index >= 0:
                fields[index] = entry
            slot += 1
        if fields[F_AT] == NULL:
            return -1
        at_obj = <object>fields[F_AT]
        if type(at_obj) is not str:
            return -1
        chars = _latin1(<str>at_obj)
        size = PyUnicode_GET_LENGTH(at_obj)
        if chars == NULL or size < 20:
            return -1
        # a log is written in one offset: the offset of the event before, unless it differs
        if tail == NULL or size - 19 != tail_size or memcmp(chars + 19, tail, tail_size):
            found = offsets.get((<str>at_obj)[19:])
            if found is None or not _offset_us(found, &off):
                return -1
            tail_owner, tail, tail_size = at_obj, chars + 19, size - 19
        if not _utc(chars, off, &when):
            return -1
        if when < floor:
            continue  # before the floor: no rule reads it, and Python skips it unread
        reading = True
        # Besides the fields Python checks, only those the counters read: a field left
        # out reads as None, as Python reads it (it refuses only a channel or a result
        # left out, and ``_odd`` sees those).
        channel = _value(fields[F_CHANNEL])
        party = _value(fields[F_PARTY])
        result = _value(fields[F_RESULT])
        by = _value(fields[F_BY])
        if _odd(channel, party, result, by, channels, results):
            return -1
        if not party:
            party = "self"
        k = _count_as(pack, channel, party, result, by is not None and _among(by, inbound),
                      fields[F_VALUE], fields[F_CID], fields[F_DEBT],
                      fields[F_CONSENT] != NULL and <object>fields[F_CONSENT] is True,
                      value, cid, debt, anyone, borrower, not_connected)
        _add(c, k, when)
    _sort(c)
    return 0


# ------------------------------------------------------------------ a line as written
#
# ``read_line`` takes a scenario's JSON line apart: the history's events are read from
# the line's bytes into spans (where each field's value is written), and the rest of the
# line, with the history written as ``[]``, is left to the JSON reader. ``_read_spans``
# then counts the events as ``_read`` counts the same events read into dicts. Only the
# plain writing is read here: texts of ASCII characters without escapes, ``null``,
# ``true`` and ``false``; anything else (a number, an escape, a character beyond ASCII,
# a nested value) is None: "read the whole line as JSON".

cdef enum:
    V_MISSING = 0
    V_NULL = 1
    V_TRUE = 2
    V_FALSE = 3
    V_TEXT = 4


cdef struct Value:
    # where the value is written (a text: after its opening quote), how long, what kind
    int start
    int size
    int kind


cdef struct Written:
    Value f[_FIELDS]


cdef inline Py_ssize_t _space(const unsigned char *s, Py_ssize_t i, Py_ssize_t end) noexcept:
    """The first index from ``i`` that is not JSON's white space."""
    while i < end and (s[i] == 32 or s[i] == 10 or s[i] == 13 or s[i] == 9):
        i += 1
    return i


cdef inline bint _plain_bytes(const unsigned char *s, Py_ssize_t n) noexcept:
    """Whether no byte of the ``n`` at ``s`` is a control character, a backslash or beyond
    ASCII, eight at a time: a byte at or above 0x80 sets its high bit; the borrow of
    ``w - 0x20...`` where ``w`` had no high bit finds a byte below 0x20, and of
    ``w ^ 0x5c... - 0x01...`` a backslash (each exact as to whether any byte does)."""
    cdef uint64_t w, x, acc = 0
    cdef Py_ssize_t i = 0
    while i + 8 <= n:
        memcpy(&w, s + i, 8)
        x = w ^ 0x5c5c5c5c5c5c5c5cULL
        acc |= w | ((w - 0x2020202020202020ULL) & ~w) | ((x - 0x0101010101010101ULL) & ~x)
        i += 8
    if acc & 0x8080808080808080ULL:
        return False
    while i < n:
        if s[i] < 32 or s[i] >= 128 or s[i] == 92:
            return False
        i += 1
    return True


cdef inline Py_ssize_t _plain_text(const unsigned char *s, Py_ssize_t i, Py_ssize_t end,
                                   bint plain) noexcept:
    """The index of the quote that closes the text opening at ``i`` (a quote), or -1
    when the text holds an escape, a control character or a byte beyond ASCII.
    ``plain``: the line holds none of them (``_plain_bytes``)."""
    cdef const unsigned char *found
    cdef unsigned char c
    i += 1
    if plain:
        found = <const unsigned char *>memchr(s + i, 34, end - i)
        return -1 if found == NULL else found - s
    while i < end:
        c = s[i]
        if c == 34:
            return i
        if c == 92 or c < 32 or c >= 128:
            return -1
        i += 1
    return -1


cdef inline Py_ssize_t _literal(const unsigned char *s, Py_ssize_t i, Py_ssize_t end,
                                bint plain, int *kind) noexcept:
    """The index after ``null``, ``true``, ``false`` or a plain text at ``i``, with its
    kind; -1 for any other value."""
    cdef Py_ssize_t j
    cdef unsigned char c = s[i]
    if c == 34:
        j = _plain_text(s, i, end, plain)
        kind[0] = V_TEXT
        return -1 if j < 0 else j + 1
    if c == 110 and i + 4 <= end and memcmp(s + i, b"null", 4) == 0:
        kind[0] = V_NULL
        return i + 4
    if c == 116 and i + 4 <= end and memcmp(s + i, b"true", 4) == 0:
        kind[0] = V_TRUE
        return i + 4
    if c == 102 and i + 5 <= end and memcmp(s + i, b"false", 5) == 0:
        kind[0] = V_FALSE
        return i + 5
    return -1


cdef inline int _field_of(const unsigned char *s, Py_ssize_t n) noexcept:
    """The field a key of ``n`` bytes names (``_EVENT_KEYS``), or -1."""
    if n == 2:
        return F_AT if s[0] == 97 and s[1] == 116 else -1
    if n == 5:
        return F_PARTY if memcmp(s, b"party", 5) == 0 else -1
    if n == 6:
        return F_RESULT if memcmp(s, b"result", 6) == 0 else -1
    if n == 7:
        return (F_CHANNEL if memcmp(s, b"channel", 7) == 0
                else F_DEBT if memcmp(s, b"debt_id", 7) == 0 else -1)
    if n == 10:
        return F_CID if memcmp(s, b"contact_id", 10) == 0 else -1
    if n == 12:
        return (F_BY if memcmp(s, b"initiated_by", 12) == 0
                else F_CONSENT if memcmp(s, b"with_consent", 12) == 0 else -1)
    if n == 13:
        return F_VALUE if memcmp(s, b"contact_value", 13) == 0 else -1
    return -1


cdef Py_ssize_t _skip(const unsigned char *s, Py_ssize_t i, Py_ssize_t end) noexcept:
    """The index after the JSON value at ``i`` (any value, as valid JSON writes it: the
    JSON reader checks the rest of the line), or -1 when the line ends first."""
    cdef int depth = 0
    cdef unsigned char c
    while i < end:
        c = s[i]
        if c == 34:
            i += 1
            while i < end and s[i] != 34:
                i += 2 if s[i] == 92 else 1
            if i >= end:
                return -1
            i += 1
            if depth == 0:
                return i
        elif c == 123 or c == 91:
            depth += 1
            i += 1
        elif c == 125 or c == 93:
            if depth == 0:
                return i
            depth -= 1
            i += 1
            if depth == 0:
                return i
        elif depth == 0 and (c == 44 or c == 32 or c == 10 or c == 13 or c == 9):
            return i
        else:
            i += 1
    return -1 if depth else i


cdef class LineHistory:
    """The events of a scenario's history as its JSON line writes them: for each event,
    where the value of each field the counters read is written (``read_line``)."""
    cdef bytes line
    cdef Written *events
    cdef Py_ssize_t n, size

    def __dealloc__(self):
        PyMem_Free(self.events)

    cdef Py_ssize_t _scan(self, const unsigned char *s, Py_ssize_t i, Py_ssize_t end,
                          bint plain) except -2:
        """Reads the array at ``i``; the index after it, or -1 (not the plain writing)."""
        cdef Written *ev
        cdef Written *grown
        cdef Py_ssize_t j
        cdef int field, kind = 0
        i = _space(s, i + 1, end)
        if i < end and s[i] == 93:
            return i + 1
        while i < end:
            if s[i] != 123:
                return -1
            if self.n == self.size:
                self.size = 2 * self.size + 32
                grown = <Written *>PyMem_Realloc(self.events, self.size * sizeof(Written))
                if grown == NULL:
                    raise MemoryError()
                self.events = grown
            ev = &self.events[self.n]
            self.n += 1
            for field in range(_FIELDS):
                ev.f[field].kind = V_MISSING
            i = _space(s, i + 1, end)
            if i < end and s[i] == 125:
                i += 1
            else:
                while True:
                    if i >= end or s[i] != 34:
                        return -1
                    j = _plain_text(s, i, end, plain)
                    if j < 0:
                        return -1
                    field = _field_of(s + i + 1, j - i - 1)
                    i = _space(s, j + 1, end)
                    if i >= end or s[i] != 58:
                        return -1
                    i = _space(s, i + 1, end)
                    if i >= end:
                        return -1
                    j = _literal(s, i, end, plain, &kind)
                    if j < 0:
                        return -1
                    if field >= 0:
                        # a key written twice: its last value, as the JSON reader keeps
                        ev.f[field].kind = kind
                        ev.f[field].start = <int>(i + 1)
                        ev.f[field].size = <int>(j - i - 2)
                    i = _space(s, j, end)
                    if i < end and s[i] == 44:
                        i = _space(s, i + 1, end)
                        continue
                    if i < end and s[i] == 125:
                        i += 1
                        break
                    return -1
            i = _space(s, i, end)
            if i < end and s[i] == 44:
                i = _space(s, i + 1, end)
                continue
            if i < end and s[i] == 93:
                return i + 1
            return -1
        return -1


def read_line(bytes line):
    """A scenario's JSON line taken apart: (the line with its history written ``[]``,
    the history's events as written), or None: a line whose history is not written the
    plain way, or not once, or a line that is not one object (read it all as JSON)."""
    cdef const unsigned char *s = line
    cdef Py_ssize_t end = len(line), i, j, start = -1, stop = -1
    cdef LineHistory history = None
    cdef bytes head
    cdef char *out
    if end > 0x7fffffff:
        return None  # places beyond what ``Value`` holds
    i = _space(s, 0, end)
    if i >= end or s[i] != 123:
        return None
    i = _space(s, i + 1, end)
    if i < end and s[i] == 125:
        return None
    while True:
        if i >= end or s[i] != 34:
            return None
        j = i + 1
        while j < end and s[j] != 34:
            if s[j] == 92:
                return None  # an escaped key might spell "history"
            j += 1
        if j >= end:
            return None
        if j - i - 1 == 7 and memcmp(s + i + 1, b"history", 7) == 0:
            if history is not None:
                return None
            i = _space(s, j + 1, end)
            if i >= end or s[i] != 58:
                return None
            i = _space(s, i + 1, end)
            if i >= end or s[i] != 91:
                return None
            history = LineHistory.__new__(LineHistory)
            history.line = line
            start = i
            # the line's end: a newline, not the plain writing of a text
            j = end
            while j > i and (s[j - 1] == 10 or s[j - 1] == 13):
                j -= 1
            i = history._scan(s, i, end, _plain_bytes(s + i, j - i))
            if i < 0:
                return None
            stop = i
        else:
            i = _space(s, j + 1, end)
            if i >= end or s[i] != 58:
                return None
            i = _skip(s, _space(s, i + 1, end), end)
            if i < 0:
                return None
        i = _space(s, i, end)
        if i < end and s[i] == 44:
            i = _space(s, i + 1, end)
            continue
        if i < end and s[i] == 125:
            break
        return None
    if history is None or _space(s, i + 1, end) != end:
        return None
    head = PyBytes_FromStringAndSize(NULL, end - (stop - start) + 2)
    out = PyBytes_AS_STRING(head)
    memcpy(out, s, start)
    out[start], out[start + 1] = 91, 93  # []
    memcpy(out + start + 2, s + stop, end - stop)
    return head, history


cdef inline object _word(const unsigned char *s, Value *v, tuple words):
    """The word of ``words`` a plain text is, or None."""
    cdef object w
    cdef const unsigned char *chars
    for w in words:
        chars = _latin1(<str>w)
        if chars != NULL and PyUnicode_GET_LENGTH(w) == v.size and memcmp(
                chars, s + v.start, v.size) == 0:
            return w
    return None


#: what a text of an event that differs from the attempt's reads as: equal to nothing
cdef object _OTHER = object()
#: the truth values as objects (``True`` in a C expression is the C integer 1)
cdef object _TRUE = True, _FALSE = False


cdef inline PyObject *_as_read(const unsigned char *s, Value *v, object given) noexcept:
    """A contact or debt of an event as the counters compare it with ``given`` (the
    attempt's): None, a truth value, ``given`` itself when the text equals it, or a
    stand-in that equals nothing (each borrowed: it lives on after the call)."""
    cdef const unsigned char *chars
    if v.kind == V_MISSING or v.kind == V_NULL:
        return <PyObject *>None
    if v.kind == V_TRUE:
        return <PyObject *>_TRUE
    if v.kind == V_FALSE:
        return <PyObject *>_FALSE
    if type(given) is str:
        chars = _latin1(<str>given)
        if chars != NULL and PyUnicode_GET_LENGTH(given) == v.size and memcmp(
                chars, s + v.start, v.size) == 0:
            return <PyObject *>given
    return <PyObject *>_OTHER


cdef int _read_spans(int pack, LineHistory h, long long floor, object value, object cid,
                     object debt, dict offsets, tuple channels, tuple results,
                     tuple inbound, tuple borrower, tuple not_connected,
                     Counted *c) except -2:
    """``_read`` of the events as the line writes them: the same counts, or -1."""
    cdef const unsigned char *s = h.line
    cdef const unsigned char *chars
    cdef const unsigned char *tail = NULL
    cdef Py_ssize_t i, size, tail_size = 0
    cdef Written *ev
    cdef Value *v
    cdef object found, channel, party, result
    cdef long long off = 0, when
    cdef bint anyone = value is None and cid is None, inbound_event
    cdef int k
    for i in range(h.n):
        ev = &h.events[i]
        v = &ev.f[F_AT]
        if v.kind != V_TEXT or v.size < 20:
            return -1
        chars = s + v.start
        size = v.size
        if tail == NULL or size - 19 != tail_size or memcmp(chars + 19, tail, tail_size):
            found = offsets.get(PyUnicode_DecodeASCII(<const char *>chars + 19, size - 19,
                                                      NULL))
            if found is None or not _offset_us(found, &off):
                return -1
            tail, tail_size = chars + 19, size - 19
        if not _utc(chars, off, &when):
            return -1
        if when < floor:
            continue
        # ``_odd``: a channel and a result of the pack's words; a party and who began it
        # a text or nothing
        v = &ev.f[F_CHANNEL]
        channel = _word(s, v, channels) if v.kind == V_TEXT else None
        v = &ev.f[F_RESULT]
        result = _word(s, v, results) if v.kind == V_TEXT else None
        if channel is None or result is None:
            return -1
        v = &ev.f[F_PARTY]
        if v.kind == V_TRUE or v.kind == V_FALSE:
            return -1
        if v.kind == V_TEXT and v.size:
            party = _word(s, v, borrower)
            if party is None:
                party = PyUnicode_DecodeASCII(<const char *>s + v.start, v.size, NULL)
        else:
            party = "self"
        v = &ev.f[F_BY]
        if v.kind == V_TRUE or v.kind == V_FALSE:
            return -1
        inbound_event = v.kind == V_TEXT and _word(s, v, inbound) is not None
        k = _count_as(pack, <str>channel, <str>party, <str>result, inbound_event,
                      _as_read(s, &ev.f[F_VALUE], value), _as_read(s, &ev.f[F_CID], cid),
                      _as_read(s, &ev.f[F_DEBT], debt), ev.f[F_CONSENT].kind == V_TRUE,
                      value, cid, debt, anyone, borrower, not_connected)
        _add(c, k, when)
    _sort(c)
    return 0


#: the words of a log by how often they are written
_COMMON = ("call", "no_answer", "conversation", "voicemail", "busy", "not_connected")


def _common_first(word):
    """Sort key: the commonest words first, then any other by name."""
    return (0, _COMMON.index(word), "") if word in _COMMON else (1, 0, word)


cdef class TimedRules:
    """What ``decide_timed`` needs of one set of rules (built once per set): the pack,
    whether its window applies to calls and the window (seconds of the local day), the
    caps (-1 for none: cn unanswered calls to the number and conversations a day; gb calls
    and conversations a day; us calls in seven days and the days of the pause after a
    conversation), the look-back in days, the steps of the search for the next allowed
    time, and the engine's vocabularies."""

    cdef int p, ws, we, cap1, cap2, history_days, max_steps
    cdef bint hours
    cdef tuple channels, results, inbound, borrower, not_connected

    def __init__(self, str pack, bint hours, int ws, int we, int cap1, int cap2,
                 int history_days, int max_steps, frozenset channels, frozenset results,
                 frozenset inbound, frozenset borrower, frozenset not_connected):
        if pack not in ("cn", "us", "gb"):
            raise ValueError(f"no compiled decision for pack {pack!r}")
        if history_days < 0:
            raise ValueError("a look-back of no days or more")
        self.p = _PACK_NAMES.index(pack)
        self.hours, self.ws, self.we = hours, ws, we
        self.cap1, self.cap2 = cap1, cap2
        self.history_days, self.max_steps = history_days, max_steps
        # in a fixed order (a set's order changes from one process to the next): calls
        # and the commonest results first, as a log mostly holds them
        self.channels = tuple(sorted(channels, key=_common_first))
        self.results = tuple(sorted(results, key=_common_first))
        self.inbound = tuple(sorted(inbound))
        self.borrower, self.not_connected = tuple(sorted(borrower)), tuple(sorted(not_connected))


def decide_timed(TimedRules rules, object raw, ZoneDays zd, long long t, object value,
                 object cid, object debt, bint consented, dict offsets, object lifts=None,
                 object preferred=None, object until=None):
    """``engine.decide`` of a call at ``t`` (UTC microseconds) to ``value`` / ``cid``
    about ``debt`` under ``rules``, for the checks of time and counters, reading the
    history ``raw`` as the scenario wrote it (a list of dicts, or a ``LineHistory``; its
    offsets from ``offsets``), or None
    ("decide in Python"; see ``engine.decide_unread``). ``consented`` (us): the consumer
    consented to calls, and neither counter applies. ``lifts``: the times of day the
    borrower consented to be called at outside the allowed hours, and ``preferred`` (gb)
    the times they prefer, each a tuple of (start, end) seconds of the local day.
    ``until``: a breathing space blocks until then (UTC microseconds), and the next
    allowed time is searched from there on.

    The answer is ``(hits, next_allowed)``: the blocking checks at ``t``, each as
    ``(check, zone index, day index, a, b, next_at)`` (hours: a = the local time of day
    in seconds, rounded down to the minute; daily caps and 7-in-7: a = count, 7-in-7's
    b = the day of the first call in its window; the pause: a = day of the last
    conversation, b = the day it ends), times in UTC microseconds, and the earliest time
    every check allows (None: none helps). False: the decision needs days outside the
    table (a longer one may do).
    """
    return _decide(rules, raw, zd, t, value, cid, debt, consented, offsets, lifts, preferred,
                   until)


cdef object _decide(TimedRules rules, object raw, ZoneDays zd, long long t, object value,
                    object cid, object debt, bint consented, dict offsets, object lifts_given,
                    object preferred_given, object until):
    """``decide_timed``, for callers in this module."""
    cdef int p = rules.p, z, k, i, status, step, history_days = rules.history_days
    cdef int cap1 = rules.cap1, cap2 = rules.cap2, ws = rules.ws, we = rules.we
    cdef bint hours = rules.hours
    cdef long long floor = 0, x, later
    cdef bint blocked, never = False, held = until is not None
    cdef long long hold = until if held else 0
    cdef Found f
    cdef Counted c
    cdef Windows lifts, preferred
    cdef list hits = []
    cdef Py_ssize_t n
    if type(raw) is list:
        n = len(<list>raw)
    elif type(raw) is LineHistory:
        n = (<LineHistory>raw).n
    else:
        return None
    if not (_windows(lifts_given, &lifts) and _windows(preferred_given, &preferred)):
        return None
    if consented and p == 1:
        cap1 = cap2 = -1
    for z in range(zd.nz):
        k = _day(zd, z, t)
        if k < history_days:
            return False
        if z == 0 or zd.mids[z][k - history_days] < floor:
            floor = zd.mids[z][k - history_days]
    c.n = c.m = 0
    c.first = <long long *>PyMem_Malloc((n + 1) * sizeof(long long))
    c.second = <long long *>PyMem_Malloc((n + 1) * sizeof(long long))
    if c.first == NULL or c.second == NULL:
        PyMem_Free(c.first)
        PyMem_Free(c.second)
        raise MemoryError()
    try:
        if type(raw) is list:
            status = _read(p, <list>raw, floor, value, cid, debt, offsets, rules.channels,
                           rules.results, rules.inbound, rules.borrower,
                           rules.not_connected, &c)
        else:
            status = _read_spans(p, <LineHistory>raw, floor, value, cid, debt, offsets,
                                 rules.channels, rules.results, rules.inbound,
                                 rules.borrower, rules.not_connected, &c)
        if status < 0:
            return None
        later = 0
        for i in range(_CHECKS[p]):
            status = _check(_ORDER[p][i], zd, t, &c, hours, ws, we, cap1, cap2, &lifts,
                            &preferred, &f)
            if status < 0:
                return False
            if status:
                hits.append((f.kind, f.z, f.k, f.a, f.b, f.nxt if f.has_next else None))
                if not f.has_next:
                    never = True
                elif len(hits) == 1 or f.nxt > later:
                    later = f.nxt
        if never or not (hits or held):
            return (hits, None)
        if held and (not hits or hold > later):
            later = hold
        x = t
        for step in range(rules.max_steps):
            if later <= x:
                return (hits, None)
            x = later
            if x < hold:
                # the breathing space first, as the pack lists it
                later = hold
                continue
            blocked = False
            for i in range(_CHECKS[p]):
                status = _check(_ORDER[p][i], zd, x, &c, hours, ws, we, cap1, cap2, &lifts,
                                &preferred, &f)
                if status < 0:
                    return False
                if status:
                    if not f.has_next:
                        return (hits, None)
                    later = f.nxt
                    blocked = True
                    break
            if not blocked:
                return (hits, x)
        return (hits, None)
    finally:
        PyMem_Free(c.first)
        PyMem_Free(c.second)


# ------------------------------------------------------------------ the whole answer
#
# ``PlainCalls.answer`` is ``evaluate_scenario`` for the scenario of a dialler list: a
# call to the borrower (or a guarantor). It reads the scenario's objects as the Python
# parsers read them, takes the zones, the table of local days and the words of an
# allowed call from the caches the Python path fills, asks the Python checks what the
# customer's record does (``engine.plain_call_gate``, once per record), decides with
# ``decide_timed`` and writes the words of a block. Anything else, or anything not yet
# in a cache, is None: "answer in Python", which then fills the caches. Property tests
# hold the answers equal.


#: 0001-01-01 as a proleptic Gregorian ordinal, and 1970-01-01
cdef long long _ORDINAL_1970 = 719163
cdef long long _US_PER_MINUTE = 60000000LL
cdef object _MISSING = object()


cdef inline object _get(dict d, object key):
    """``d[key]``, or ``_MISSING``."""
    cdef PyObject *found = PyDict_GetItem(d, key)
    return _MISSING if found == NULL else <object>found


cdef inline bint _empty(object value) noexcept:
    """Nothing on record: the field left out, null, or an empty list."""
    return value is _MISSING or value is None or (type(value) is list and not <list>value)


cdef inline bint _text_or_none(object value) noexcept:
    return value is None or type(value) is str


cdef inline long long _zone_offset(ZoneDays zd, int z) noexcept:
    """Zone ``z``'s UTC offset in microseconds (the same on every day of the table)."""
    return (zd.first_ordinal - _ORDINAL_1970) * _US_PER_DAY - zd.mids[z][0]


cdef object _isoformat(long long t, long long offset):
    """``datetime.isoformat`` of UTC microseconds ``t`` seen at UTC ``offset``, or None
    for an offset not in whole minutes or a year outside 1-9999 (left to Python)."""
    cdef long long local = t + offset, z, rest, minutes
    cdef int n = 19
    cdef char text[40]
    if offset % _US_PER_MINUTE != 0:
        return None
    z = local // _US_PER_DAY
    rest = local - z * _US_PER_DAY
    if rest < 0:
        z -= 1
        rest += _US_PER_DAY
    if not _write_date(text, z):
        return None
    text[10] = 84  # 'T'
    _write_digits(text + 11, rest // 3600000000LL, 2)
    text[13] = 58  # ':'
    _write_digits(text + 14, rest // 60000000LL % 60, 2)
    text[16] = 58
    _write_digits(text + 17, rest // _US_PER_SEC % 60, 2)
    if rest % _US_PER_SEC:
        text[19] = 46  # '.'
        _write_digits(text + 20, rest % _US_PER_SEC, 6)
        n = 26
    minutes = (offset if offset >= 0 else -offset) // _US_PER_MINUTE
    text[n] = 45 if offset < 0 else 43  # '-' or '+'
    _write_digits(text + n + 1, minutes // 60, 2)
    text[n + 3] = 58
    _write_digits(text + n + 4, minutes % 60, 2)
    return PyUnicode_DecodeASCII(text, n + 6, NULL)


cdef object _date_text(long long ordinal):
    """``date.fromordinal(ordinal).isoformat()``, or None outside years 1-9999."""
    cdef char text[10]
    if not _write_date(text, ordinal - _ORDINAL_1970):
        return None
    return PyUnicode_DecodeASCII(text, 10, NULL)


cdef class PlainCalls:
    """``evaluate_scenario`` of calls to the borrower under one set of rules, reading the
    Python path's caches (each given here as the dict itself: the offsets written in
    timestamps, the zones of recorded time zones, the prefixes of the numbering plan, the
    candidate zones, the tables of local days, the words of decisions) and, where one
    misses, the Python function that fills it."""

    cdef object rules
    cdef TimedRules timed
    cdef str pack, version, country
    cdef frozenset borrower
    cdef dict offsets, written, recorded, prefixes, candidates, zone_days
    cdef dict blocked_texts, allowed_texts
    cdef object written_offset, zone_days_for, blocked_words, allowed_words
    cdef object gate, hold_words, message, separator
    cdef tuple forms
    cdef dict messages
    cdef int longest
    cdef object after, after_long

    def __init__(self, object rules, TimedRules timed, str pack, str version, str country,
                 frozenset borrower, dict offsets, dict written, object written_offset,
                 dict recorded,
                 dict prefixes, int longest, dict candidates, dict zone_days,
                 object zone_days_for, int after, int after_long,
                 dict blocked_texts, object blocked_words, dict allowed_texts,
                 object allowed_words, object gate, object hold_words, tuple forms,
                 object message, object separator):
        self.rules, self.timed = rules, timed
        self.pack, self.version, self.country = pack, version, country
        self.borrower = borrower
        self.offsets, self.written, self.written_offset = offsets, written, written_offset
        self.recorded, self.prefixes, self.longest = recorded, prefixes, longest
        self.candidates = candidates
        self.zone_days, self.zone_days_for = zone_days, zone_days_for
        self.after, self.after_long = after, after_long
        self.blocked_texts = blocked_texts
        self.blocked_words = blocked_words
        self.allowed_texts, self.allowed_words = allowed_texts, allowed_words
        self.gate, self.hold_words = gate, hold_words
        self.forms, self.message, self.separator = forms, message, separator
        self.messages = {}

    cdef object _phone_names(self, object value):
        """``zones.phone_zones`` of an E.164 number (its zones' names), or None."""
        cdef const unsigned char *chars
        cdef Py_ssize_t n, i, size = 0, limit
        if value is None or (type(value) is str and not <str>value):
            return ()
        if type(value) is not str:
            return None
        chars = _latin1(<str>value)
        n = PyUnicode_GET_LENGTH(value)
        if chars == NULL or n < 8 or n > 16 or chars[0] != 43:  # '+'
            return None
        for i in range(1, n):
            if chars[i] < 48 or chars[i] > 57:
                return None
        if not self.prefixes:
            return None
        limit = n - 1 if n - 1 < self.longest else self.longest
        while size < limit and PyDict_GetItem(self.prefixes, (<str>value)[1:size + 2]) != NULL:
            size += 1
        return self.prefixes[(<str>value)[1:size + 1]] if size else ()

    cdef object _words(self, ZoneDays zd, list hits, object after, object debt,
                       object preferred, str locale):
        """(rule names, explanation, next allowed time's text) of the hits of
        ``_decide``, as ``engine.kernel_words`` and ``explain_hits`` word them (the rules'
        own values from ``engine.kernel_forms``, the message from ``texts.message``; the
        window the borrower prefers as words in ``preferred``); None when a value cannot
        be written here (left to Python)."""
        cdef list names = [], parts = []
        cdef tuple hit, form
        cdef dict params
        cdef int check, z
        cdef long long a, b, k, first = zd.first_ordinal
        cdef object rule, key, text, later = None
        cdef char clock[8]
        for hit in hits:
            check = hit[0]
            z = hit[1]
            k = hit[2]
            a = hit[3]
            b = hit[4]
            if check < 0 or check > 5 or (check == 5 and preferred is None):
                return None
            form = <tuple>self.forms[check]
            rule, key = form[0], form[1]
            params = PyDict_Copy(form[2])
            params["zone"] = zd.names[z]
            if check == 0 or check == 5:
                if check == 5:
                    params["start"], params["end"] = preferred
                _write_digits(clock, a // 3600, 2)
                clock[2] = 58  # ':'
                _write_digits(clock + 3, a // 60 % 60, 2)
                params["time"] = PyUnicode_DecodeASCII(clock, 5, NULL)
            elif check == 1 or check == 2:
                params["count"] = a
                params["date"] = _date_text(first + k)
            elif check == 3:
                params["count"] = a
                params["debt"] = debt or "-"
                params["first"] = _date_text(first + b)
                params["last"] = _date_text(first + k)
            else:
                params["debt"] = debt or "-"
                params["date"] = _date_text(first + a)
                params["until"] = _date_text(first + b)
            if None in (<dict>params).values():
                return None  # a day outside the years datetime writes
            text = _get(self.messages, (key, locale))
            if text is _MISSING:
                text = self.messages[(key, locale)] = self.message(key, locale)
            try:
                parts.append((<str>text).format_map(params))
            except (KeyError, IndexError):
                return None
            if rule not in names:
                names.append(rule)
        if after is not None:
            later = _isoformat(after, _zone_offset(zd, (<tuple>hits[0])[1]))
            if later is None:
                return None
        text = _get(self.messages, locale)
        if text is _MISSING:
            text = self.messages[locale] = self.separator(locale)
        return names, (<str>text).join(parts), later

    cdef object _days(self, object zones, long long day, object after):
        """``engine._zone_days``: the cached table, else built."""
        cdef object key = (zones, day, after)
        cdef object found = _get(self.zone_days, key)
        if found is _MISSING:
            found = self.zone_days_for(zones, day, after)
        return found

    def answer(self, dict scenario, str locale, LineHistory history=None):
        """The answer ``evaluate_scenario`` gives (the rules being these), or None:
        answer in Python. ``history``: the scenario's history as its line writes it
        (``read_line``; the scenario then holds the rest of the line)."""
        cdef object raw, at, party, cid, value, debt, by, flag, country, tz, moved
        cdef object zones, found, hits, after, words, local, names, gate = None
        cdef object lifts = None, preferred = None, preferred_words = None, until = None
        cdef object length, table
        cdef dict attempt, customer
        cdef bint consented = False, on_record
        cdef ZoneDays zd
        cdef Py_ssize_t seen = 2
        cdef const unsigned char *chars
        cdef long long local_us = 0, off = 0, t, day, offset, written = 0
        cdef int z
        # the attempt: a call to the borrower, the spec's fields and no others
        raw = _get(scenario, "attempt")
        if type(raw) is not dict:
            return None
        attempt = <dict>raw
        at = _get(attempt, "at")
        flag = _get(attempt, "channel")
        if type(at) is not str or type(flag) is not str or flag != "call":
            return None
        party = _get(attempt, "party")
        cid = _get(attempt, "contact_id")
        value = _get(attempt, "contact_value")
        debt = _get(attempt, "debt_id")
        by = _get(attempt, "initiated_by")
        if party is _MISSING:
            party = None
        else:
            seen += 1
        if cid is _MISSING:
            cid = None
        else:
            seen += 1
        if value is _MISSING:
            value = None
        else:
            seen += 1
        if debt is _MISSING:
            debt = None
        else:
            seen += 1
        if by is _MISSING:
            by = None
        else:
            seen += 1
        if not (_text_or_none(party) and _text_or_none(cid) and _text_or_none(value)
                and _text_or_none(debt) and _text_or_none(by)):
            return None
        if (party or "self") not in self.borrower:
            return None
        for name in ("agency_id", "template"):
            flag = _get(attempt, name)
            if flag is not _MISSING:
                if flag is not None:
                    return None
                seen += 1
        flag = _get(attempt, "mentions_debt")
        if flag is not _MISSING:
            if flag is not None and type(flag) is not bool:
                return None
            seen += 1
        flag = _get(attempt, "collectors")
        if flag is not _MISSING:
            if flag is not None and (type(flag) is not int or flag < 0):
                return None
            seen += 1
        if seen != len(attempt):
            return None
        chars = _latin1(<str>at)
        if chars == NULL or PyUnicode_GET_LENGTH(at) < 20 or not _local_ascii(chars, &local_us):
            return None
        found = _get(self.offsets, (<str>at)[19:])
        if found is _MISSING or not _offset_us(found, &off):
            return None
        t = local_us - off
        if t < _MIN_US or t > _MAX_US:
            return None
        day = t // _US_PER_DAY
        if day * _US_PER_DAY > t:
            day -= 1
        # the customer: where they live, and whether anything is on record
        raw = _get(scenario, "customer")
        if type(raw) is not dict:
            return None
        customer = <dict>raw
        flag = _get(customer, "breathing_space_until")
        on_record = not (_empty(_get(customer, "flags"))
                         and _empty(_get(customer, "refused_contacts"))
                         and _empty(_get(customer, "consents"))
                         and (flag is _MISSING or flag is None))
        country = customer.get("country")
        tz = customer.get("timezone")
        moved = customer.get("address_timezone")
        if not (_text_or_none(country) and _text_or_none(tz) and _text_or_none(moved)):
            return None
        country = self.country if not country else (<str>country).upper()
        # the candidate zones (``zones.candidate_zones``), as cached
        if tz:
            zones = _get(self.recorded, tz)
        else:
            names = self._phone_names(value)
            if names is None:
                return None
            zones = _get(self.candidates, (names, moved, country))
        if zones is _MISSING:
            return None
        if on_record:
            # what the record does to the call (``engine.plain_call_gate``), in Python
            gate = self.gate(self.rules, customer, party or "self", cid, value, t, zones)
            if gate is None:
                return None
            consented = (<tuple>gate)[0] is True
            lifts, preferred, preferred_words, until = (<tuple>gate)[3:7]
        # the decision, on the table of local days (a longer one when the search for
        # the next allowed time goes past it)
        found = False
        for length in (self.after, self.after_long):
            table = self._days(zones, day, length)
            if table is None:
                return None
            zd = <ZoneDays>table
            found = _decide(self.timed, _get(scenario, "history") if history is None
                            else history, zd, t, value, cid, debt, consented, self.offsets,
                            lifts, preferred, until)
            if found is not False:
                break
        if found is None or found is False:
            return None
        hits, after = found
        if gate is not None and (<tuple>gate)[1] is not None:
            # a hold, or a check of who or how, blocks (for good, or a breathing space
            # until it ends): shown in the first zone
            hits = None
        z = (<tuple>(<list>hits)[0])[1] if hits else 0
        # the local time: as the attempt wrote it when that is how ``isoformat`` writes it
        offset = _zone_offset(zd, z)
        local = None
        if PyUnicode_GET_LENGTH(at) == 25:
            found = _get(self.written, (<str>at)[19:])
            if found is _MISSING:
                found = self.written_offset(at)
            if found is not None and _offset_us(found, &written) and written == offset:
                local = at
        if local is None:
            local = _isoformat(t, offset)
            if local is None:
                return None
        if hits is None:
            hits = (<tuple>gate)[1]
            later = None
            if until is not None and after is not None:
                # a breathing space: the next allowed time, in the first zone as well
                later = _isoformat(after, offset)
                if later is None:
                    return None
            found = _get(self.blocked_texts, (id(hits), locale))
            if found is _MISSING or found[0] is not hits or found[1] is not None:
                found = self.hold_words(hits, None, locale)
            return {"id": scenario.get("id"), "decision": "block",
                    "rules": list((<tuple>gate)[2]), "explanation": found[2],
                    "local_time": local, "next_allowed_at": later, "pack": self.pack,
                    "version": self.version}
        if not hits:
            found = _get(self.allowed_texts, ((<str>local)[11:16], zd.names[0], self.pack,
                                              self.version, locale))
            if found is _MISSING:
                found = self.allowed_words((<str>local)[11:16], zd.names[0], self.pack,
                                           self.version, locale)
            return {"id": scenario.get("id"), "decision": "allow", "rules": [],
                    "explanation": found, "local_time": local, "next_allowed_at": None,
                    "pack": self.pack, "version": self.version}
        words = self._words(zd, <list>hits, after, debt, preferred_words, locale)
        if words is None:
            names, text, later = self.blocked_words(self.rules, zd, hits, after, debt,
                                                    preferred_words, locale)
        else:
            names, text, later = words
        return {"id": scenario.get("id"), "decision": "block", "rules": list(names),
                "explanation": text, "local_time": local, "next_allowed_at": later,
                "pack": self.pack, "version": self.version}
