"""The decision: may this contact happen now, and if not, why and from when.

``decide(rules, attempt, customer, history)`` is a pure function. Every rule is a small
check ``(ctx, t, local_times) -> Hit | None`` evaluated at the attempt's time; a rule
that blocks says when it would let go (``next_at``), so the earliest time every rule
allows is found by moving forward from one release time to the next.

History is read once per decision: one pass sorts the events the pack's counters count
into lists of their (naive UTC) times, sorted, so a count over a local day (or seven) is
two binary searches, however often the search for the next allowed time asks.

Rules come in tiers: holds (1), who/what/how may be contacted (2), time and counters (3).
A decision reports the blocking rules of the first tier that blocks: holds are checked
before counters. All candidate time zones must allow, so the strictest zone wins.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any, NamedTuple

from arrears.domain.compliance.kernel import compiled_kernel
from arrears.domain.compliance.model import (
    BORROWER_PARTIES,
    CHANNELS,
    INBOUND,
    NOT_CONNECTED,
    PERMITTED_NOTICES,
    REPRESENTATIVES,
    RESULTS,
    Attempt,
    Customer,
    Decision,
    Hit,
)
from arrears.domain.compliance.packs import DAY, PackRules, format_hhmm
from arrears.domain.compliance.parse import OFFSETS_SEEN
from arrears.domain.compliance.texts import render, separator
from arrears.domain.compliance.zones import as_local, candidate_zones, midnight, zone

HOLD, CONTACT, TIMED = 1, 2, 3
_ONE_DAY = timedelta(days=1)
_new = tuple.__new__
_SIX_DAYS = timedelta(days=6)
_SEVEN_DAYS = timedelta(days=7)
_MAX_STEPS = 60
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                 "Sunday")

Check = Callable[["Ctx", datetime, list[datetime]], "Hit | None"]


class Ctx:
    """One decision's inputs and, once counted, the counters' event times."""

    __slots__ = ("rules", "attempt", "customer", "history", "zones", "memo", "consented",
                 "tally", "probing")

    def __init__(self, rules: PackRules, attempt: Attempt, customer: Customer,
                 history: Sequence[tuple[Any, ...]], zones: tuple[tzinfo, ...]) -> None:
        self.rules = rules
        self.attempt = attempt
        self.customer = customer
        self.history = history
        self.zones = zones
        self.memo: dict[str, Any] = {}
        self.consented = bool(customer.consents) and recent_call_consent(customer, attempt.at)
        self.tally: dict[str, list[datetime]] | None = None
        #: True while the next allowed time is searched: only ``Hit.next_at`` is read, so
        #: the checks that block often leave their words out (``_probe``)
        self.probing = False


_NONE: list[datetime] = []


def _tally_cn(ctx: Ctx) -> dict[str, list[datetime]]:
    """cn: unanswered calls to the dialled number; conversations with the borrower."""
    a = ctx.attempt
    value, cid = a.contact_value, a.contact_id
    anyone = value is None and cid is None
    unanswered, talks = [], []
    for ev in ctx.history:
        if ev[7]:
            continue  # the customer called us
        if ev[6] == "conversation":
            if ev[2] in BORROWER_PARTIES and (ev[1] == "call" or ev[1] == "visit"):
                talks.append(ev[0])
        elif ev[1] == "call" and (anyone or (value is not None and ev[4] == value)
                                  or (cid is not None and ev[3] == cid)):
            unanswered.append(ev[0])
    unanswered.sort()
    talks.sort()
    return {"unanswered": unanswered, "conversations": talks}


def _tally_gb(ctx: Ctx) -> dict[str, list[datetime]]:
    """gb: call attempts to the borrower; conversations with the borrower."""
    calls, talks = [], []
    for ev in ctx.history:
        if ev[7] or ev[2] not in BORROWER_PARTIES:
            continue
        if ev[1] == "call":
            calls.append(ev[0])
        if ev[6] == "conversation" and (ev[1] == "call" or ev[1] == "visit"):
            talks.append(ev[0])
    calls.sort()
    talks.sort()
    return {"borrower_calls": calls, "conversations": talks}


def _tally_us(ctx: Ctx) -> dict[str, list[datetime]]:
    """us: calls about the debt that count (connected, ours, without consent); telephone
    conversations with the consumer about the debt."""
    debt = ctx.attempt.debt_id
    calls, talks = [], []
    for ev in ctx.history:
        if ev[1] != "call" or ev[7] or (debt is not None and ev[5] is not None
                                         and ev[5] != debt):
            continue
        result = ev[6]
        if result in NOT_CONNECTED:
            continue
        if not ev[8]:
            calls.append(ev[0])
        if result == "conversation" and ev[2] in BORROWER_PARTIES:
            talks.append(ev[0])
    calls.sort()
    talks.sort()
    return {"debt_calls": calls, "debt_conversations": talks}


_TALLIES = {"cn": _tally_cn, "gb": _tally_gb, "us": _tally_us}


def _counted(ctx: Ctx, name: str) -> list[datetime]:
    """Sorted times of the history events counted as ``name`` (one pass per decision)."""
    tally = ctx.tally
    if tally is None:
        if not ctx.history:
            return _NONE
        if _compiled_tally is not None:
            a = ctx.attempt
            tally = _compiled_tally(ctx.rules.name, ctx.history, a.contact_value,
                                    a.contact_id, a.debt_id, BORROWER_PARTIES, NOT_CONNECTED)
        if tally is None:
            tally = _TALLIES[ctx.rules.name](ctx)
        ctx.tally = tally
    return tally[name]


_kernel = compiled_kernel()
#: ``_TALLIES`` compiled (``_history.tally``), when built
_compiled_tally = _kernel.tally if _kernel is not None else None


# ---------------------------------------------------------------- helpers

def _secs(local: datetime) -> int:
    return local.hour * 3600 + local.minute * 60 + local.second


def _hhmm(local: datetime) -> str:
    return f"{local.hour:02d}:{local.minute:02d}"


def _in_window(secs: int, start: int, end: int) -> bool:
    if start < end:
        return start <= secs < end
    return secs >= start or secs < end  # the window wraps past midnight


_moment = as_local


#: whole days, for the day arithmetic of the counters (built once)
_DAYS = tuple(timedelta(days=n) for n in range(64))


def _days(n: int) -> timedelta:
    return _DAYS[n] if 0 <= n < 64 else timedelta(days=n)


def _day_bounds(local: datetime) -> tuple[datetime, datetime]:
    day, tz = local.date(), local.tzinfo
    return midnight(tz, day), midnight(tz, day + _ONE_DAY)


def _count(times: list[datetime], start: datetime, end: datetime) -> int:
    """How many of the sorted ``times`` fall in [start, end)."""
    return bisect_left(times, end) - bisect_left(times, start)


def _at_secs(local: datetime, secs: int) -> datetime:
    """The next moment at or after ``local`` whose local time of day is ``secs``."""
    day = local.date()
    if secs <= local.hour * 3600 + local.minute * 60 + local.second:
        day = day + _ONE_DAY
    if secs >= DAY:
        return _moment(midnight(local.tzinfo, day + _ONE_DAY), local.tzinfo)
    clock = _CLOCKS.get(secs)
    if clock is None:
        clock = _CLOCKS[secs] = time(secs // 3600, secs % 3600 // 60, secs % 60)
    return datetime.combine(day, clock, tzinfo=local.tzinfo)


_CLOCKS: dict[int, time] = {}  # seconds of the day -> time (a few window edges)


def _zname(local: datetime) -> str:
    return str(local.tzinfo)


def recent_call_consent(customer: Customer, at: datetime) -> bool:
    """us: the consumer consented to calls within the last 7 days."""
    for consent in customer.consents:
        if consent.kind in ("call", "call_consent", "contact") and consent.given_at:
            if at - _SEVEN_DAYS < consent.given_at <= at:
                return True
    return False


#: consents to a time of day that lift the allowed hours for it
_LIFTING_CONSENTS = ("call_time", "contact_time")


def _time_windows(ctx: Ctx, kinds: tuple[str, ...]) -> list[tuple[int, int]]:
    """Windows of the borrower's consents/preferences of ``kinds`` for this channel."""
    channel = ctx.attempt.channel
    out = []
    for consent in ctx.customer.consents:
        if consent.kind not in kinds:
            continue
        if consent.channel and consent.channel != channel:
            continue
        if consent.kind == "call_time" and channel != "call" and not consent.channel:
            continue
        start = 0 if consent.start is None else consent.start
        end = DAY if consent.end is None else consent.end
        out.append((start, end))
    return out


def _window_hit(ctx: Ctx, loc: list[datetime], start: int, end: int,
                lifts: list[tuple[int, int]]) -> tuple[datetime, datetime] | None:
    """(blocking local time, when it reopens) if any zone is outside [start, end)."""
    worst: tuple[datetime, datetime] | None = None
    for local in loc:
        secs = local.hour * 3600 + local.minute * 60 + local.second
        if (start <= secs < end if start < end else _in_window(secs, start, end)) or (
                lifts and any(_in_window(secs, s, e) for s, e in lifts)):
            continue
        # The next opening of the regular window: a consent is the borrower's exception,
        # never the schedule we plan the next attempt on.
        reopen = _at_secs(local, start)
        if worst is None or reopen > worst[1]:
            worst = (local, reopen)
    return worst


def _daily_cap(ctx: Ctx, loc: list[datetime], times: list[datetime], cap: int,
               rule: str, key: str) -> Hit | None:
    if len(times) < cap:
        return None
    for local in loc:
        start, end = _day_bounds(local)
        count = _count(times, start, end)
        if count >= cap:
            # a cap of 0 (a lender's policy) never lets go
            if ctx.probing:
                return _probe(_moment(end, local.tzinfo) if cap else None)
            return Hit(rule, key, {"count": count, "cap": cap, "date": local.date().isoformat(),
                                   "zone": _zname(local)},
                       _moment(end, local.tzinfo) if cap else None, TIMED)
    return None


def _probe(next_at: datetime | None) -> Hit:
    """A blocking hit that only says when it lets go (for the search)."""
    return _new(Hit, ("", "", _NO_PARAMS, next_at, TIMED))


_NO_PARAMS: dict[str, Any] = {}


def _first(pair: tuple[Any, ...]) -> Any:
    return pair[0]


def _p(ctx: Ctx) -> str:
    return ctx.rules.name


# ---------------------------------------------------------------- tier 1: holds

_HOLDS: tuple[tuple[str, str, str], ...] = (
    ("cease_communication", "cease_communication", "cease_communication"),
    ("dispute", "dispute", "dispute"),
    ("validation_pending", "dispute", "validation_pending"),
    ("attorney_represented", "attorney", "attorney"),
    ("bankruptcy", "bankruptcy", "bankruptcy"),
    ("deceased", "deceased", "deceased"),
    ("hardship_hold", "hardship_hold", "hardship_hold"),
)


def _hold_exempt(flag: str, attempt: Attempt) -> bool:
    notice = attempt.template.permitted_notice if attempt.template else None
    if flag == "cease_communication":
        return notice in PERMITTED_NOTICES
    if flag in ("dispute", "validation_pending"):
        return notice in ("verification", "validation")
    if flag in ("attorney_represented", "bankruptcy"):
        return attempt.party == "attorney"
    if flag == "deceased":
        return attempt.party in REPRESENTATIVES
    return False


def check_holds(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """Recorded holds block contact (cease, dispute, attorney, bankruptcy, ...)."""
    flags = ctx.customer.flags
    if not flags:
        return None
    for flag, suffix, key in _HOLDS:
        if flag in flags and not _hold_exempt(flag, ctx.attempt):
            return Hit(f"{_p(ctx)}.{suffix}", key, {}, None, HOLD)
    return None


def check_breathing_space(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """gb: a breathing space blocks all collection contact until it ends."""
    until = ctx.customer.breathing_space_until
    if until is None:
        if "breathing_space" in ctx.customer.flags:
            return Hit(f"{_p(ctx)}.breathing_space", "breathing_space_open", {}, None, HOLD)
        return None
    if min(local.date() for local in loc) > until:
        return None
    # the latest end over the zones (zones whose midnights coincide tie: any of them)
    ends = max(((midnight(local.tzinfo, until + _ONE_DAY), local.tzinfo) for local in loc),
               key=_first)
    return Hit(f"{_p(ctx)}.breathing_space", "breathing_space",
               {"until": until.isoformat()}, _moment(*ends), HOLD)


# ---------------------------------------------------------------- tier 2: who, what, how

def check_refused(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """A contact who refused further contact is never contacted again."""
    refused = ctx.customer.refused_contacts
    a = ctx.attempt
    if refused and (a.contact_id in refused or a.contact_value in refused):
        return Hit(f"{_p(ctx)}.refused_contact", "refused_contact",
                   {"contact": a.contact_id or a.contact_value}, None, CONTACT)
    return None


def check_third_party(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """Third parties: never told of the debt (cn: and only when the borrower is unreachable)."""
    a = ctx.attempt
    if a.party in BORROWER_PARTIES:
        return None
    pack = _p(ctx)
    if pack == "us" and a.party in REPRESENTATIVES:
        return None
    if pack == "cn" and "unreachable" not in ctx.customer.flags:
        return Hit("cn.third_party", "third_party_unreachable", {"party": a.party}, None, CONTACT)
    if a.mentions_debt:
        return Hit(f"{pack}.third_party", "third_party_debt", {"party": a.party}, None, CONTACT)
    return None


def check_opt_out(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """A channel opt-out blocks that channel."""
    flags = ctx.customer.flags
    channel = ctx.attempt.channel
    if flags and "opt_out_" + channel in flags:
        return Hit(f"{_p(ctx)}.opt_out", "opt_out", {"channel": channel}, None, CONTACT)
    return None


def check_preferred_channel(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """gb: honour the borrower's recorded channel preference."""
    wanted = [c.channel for c in ctx.customer.consents
              if c.kind == "preferred_channel" and c.channel]
    if wanted and ctx.attempt.channel not in wanted:
        return Hit("gb.preferences", "preferred_channel", {"channels": ", ".join(wanted)},
                   None, CONTACT)
    return None


def check_prohibited(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """Templates flagged with prohibited content (cn: also asking to borrow elsewhere)."""
    tpl = ctx.attempt.template
    if tpl is None:
        return None
    what = list(tpl.prohibited)
    if _p(ctx) == "cn" and tpl.asks_to_borrow:
        what.append("asks the borrower to borrow elsewhere to pay")
    if what:
        return Hit(f"{_p(ctx)}.prohibited_conduct", "prohibited",
                   {"template": tpl.id, "what": ", ".join(what)}, None, CONTACT)
    return None


def check_template_opt_out(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """us: every e-mail and text carries an opt-out instruction."""
    tpl, channel = ctx.attempt.template, ctx.attempt.channel
    if tpl is not None and channel in ("sms", "email") and not tpl.has_opt_out:
        return Hit("us.template_opt_out", "template_opt_out",
                   {"channel": channel, "template": tpl.id}, None, CONTACT)
    return None


def check_time_barred(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """us: no legal-action template for a time-barred debt."""
    tpl = ctx.attempt.template
    if tpl is not None and tpl.mentions_legal_action and "time_barred" in ctx.customer.flags:
        return Hit("us.time_barred", "time_barred", {"template": tpl.id}, None, CONTACT)
    return None


def check_workplace(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """us: no contact at the workplace when the employer forbids it."""
    a = ctx.attempt
    if "employer_forbids_work_contact" in ctx.customer.flags and (
            a.workplace or a.party in ("employer", "colleague")):
        return Hit("us.workplace", "workplace", {}, None, CONTACT)
    return None


def check_financial_difficulty(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """gb: no pressure templates for customers in financial difficulty."""
    tpl = ctx.attempt.template
    if tpl is None or "financial_difficulty" not in ctx.customer.flags:
        return None
    what = [text for on, text in (
        (tpl.asks_to_borrow, "asks to borrow to pay"),
        (tpl.asks_to_sell_property, "asks to sell property"),
        (tpl.demands_full_payment_short, "demands full payment within a short time"),
    ) if on]
    if what:
        return Hit("gb.financial_difficulty", "financial_difficulty",
                   {"template": tpl.id, "what": ", ".join(what)}, None, CONTACT)
    return None


def check_field_visit(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """cn: field visits need at least 2 collectors."""
    need = ctx.rules.field_visit_collectors
    a = ctx.attempt
    if a.channel == "visit" and need and a.collectors < need:
        return Hit("cn.field_visit", "field_visit", {"need": need, "have": a.collectors},
                   None, CONTACT)
    return None


def check_agency(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """cn: agencies on the whitelist, evaluated within 365 days."""
    agency, listed = ctx.attempt.agency_id, ctx.rules.agencies
    if agency is None or listed is None:
        return None
    found = dict(listed)
    if agency not in found:
        return Hit("cn.agency_whitelist", "agency_not_whitelisted", {"agency": agency},
                   None, CONTACT)
    evaluated = found[agency]
    if evaluated is None:
        return Hit("cn.agency_whitelist", "agency_unevaluated", {"agency": agency}, None, CONTACT)
    days = ctx.rules.agency_evaluation_days or 365
    if (loc[0].date() - evaluated).days > days:
        return Hit("cn.agency_whitelist", "agency_stale",
                   {"agency": agency, "date": evaluated.isoformat(), "days": days},
                   None, CONTACT)
    return None


# ---------------------------------------------------------------- tier 3: time

def check_hours(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """Allowed hours in every candidate zone, unless the borrower consented to that time."""
    r = ctx.rules
    if ctx.attempt.channel not in r.window_channels:
        return None
    lifts: list[tuple[int, int]] = []
    if ctx.customer.consents:
        lifts = ctx.memo.get("lifts")
        if lifts is None:
            lifts = ctx.memo["lifts"] = _time_windows(ctx, _LIFTING_CONSENTS)
    found = _window_hit(ctx, loc, r.window_start, r.window_end, lifts)
    if found is None:
        return None
    local, reopen = found
    if ctx.probing:
        return _probe(reopen)
    rule, key, start, end = _hours_words(r)
    return Hit(rule, key, {"start": start, "end": end, "time": _hhmm(local),
                           "zone": _zname(local)}, reopen, TIMED)


@lru_cache(maxsize=1024)
def _hours_words(r: PackRules) -> tuple[str, str, str, str]:
    """The hours rule of ``r``: its id, message key and the window as words (cn speaks
    of the quiet hours, the others of the allowed hours)."""
    if r.name == "cn":
        return "cn.quiet_hours", "quiet_hours", format_hhmm(r.window_end), format_hhmm(
            r.window_start)
    return f"{r.name}.hours", "outside_hours", format_hhmm(r.window_start), format_hhmm(
        r.window_end)


def check_channel_hours(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """Lender policy: stricter hours for one channel."""
    channel = ctx.attempt.channel
    for ch, start, end in ctx.rules.channel_windows:
        if ch != channel:
            continue
        lifts = _time_windows(ctx, _LIFTING_CONSENTS)
        found = _window_hit(ctx, loc, start, end, lifts)
        if found:
            local, reopen = found
            return Hit("policy.channel_hours", "channel_hours",
                       {"time": _hhmm(local), "zone": _zname(local),
                        "channel": channel, "start": format_hhmm(start),
                        "end": format_hhmm(end)}, reopen, TIMED)
    return None


def check_preferred_time(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """gb: honour the borrower's preferred contact time."""
    windows = _time_windows(ctx, ("preferred_time",))
    if not windows:
        return None
    for local in loc:
        secs = _secs(local)
        if not any(_in_window(secs, s, e) for s, e in windows):
            reopen = min(_at_secs(local, s) for s, _ in windows)
            s, e = windows[0]
            return Hit("gb.preferences", "preferred_time",
                       {"time": _hhmm(local), "zone": _zname(local),
                        "start": format_hhmm(s), "end": format_hhmm(e)}, reopen, TIMED)
    return None


@lru_cache(maxsize=256)
def _holiday_calendar(country: str, subdiv: str | None, year: int) -> dict[date, str]:
    import holidays

    return dict(holidays.country_holidays(country, subdiv=subdiv, years=year))


def check_holiday(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """Lender policy: no contact on public holidays (borrower's local date)."""
    r = ctx.rules
    if r.holiday_country is None or ctx.attempt.channel not in r.holiday_channels:
        return None
    for local in loc:
        day = local.date()
        name = _holiday_calendar(r.holiday_country, r.holiday_subdiv, day.year).get(day)
        if name:
            return Hit("policy.holiday", "holiday",
                       {"date": day.isoformat(), "country": r.holiday_country, "name": name,
                        "channel": ctx.attempt.channel},
                       _moment(_day_bounds(local)[1], local.tzinfo), TIMED)
    return None


def check_weekday(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """Lender policy: channels not used on some weekdays."""
    channel = ctx.attempt.channel
    for weekday, channels in ctx.rules.weekday_channels:
        if channel not in channels:
            continue
        for local in loc:
            if local.weekday() == weekday:
                return Hit("policy.weekday", "weekday",
                           {"channel": channel, "weekday": WEEKDAY_NAMES[weekday]},
                           _moment(_day_bounds(local)[1], local.tzinfo), TIMED)
    return None


def check_cn_call_attempts(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """cn: at most 6 unanswered call attempts per local day to one phone number."""
    a, cap = ctx.attempt, ctx.rules.calls_per_number_per_day
    if a.channel != "call" or cap is None:
        return None
    times = _counted(ctx, "unanswered")
    return _daily_cap(ctx, loc, times, cap, "cn.daily_call_attempts", "daily_call_attempts")


def check_daily_conversations(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """cn: at most 3, gb: at most 1 conversation a day with the borrower (all agencies)."""
    a, cap = ctx.attempt, ctx.rules.conversations_per_day
    if cap is None or a.channel not in ("call", "visit") or a.party not in BORROWER_PARTIES:
        return None
    return _daily_cap(ctx, loc, _counted(ctx, "conversations"), cap,
                      f"{_p(ctx)}.daily_conversations", "daily_conversations")


def check_gb_call_attempts(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """gb: at most 3 call attempts a day to the borrower."""
    a, cap = ctx.attempt, ctx.rules.calls_per_borrower_per_day
    if a.channel != "call" or cap is None or a.party not in BORROWER_PARTIES:
        return None
    times = _counted(ctx, "borrower_calls")
    return _daily_cap(ctx, loc, times, cap, "gb.daily_attempts", "daily_attempts")


def check_us_7in7(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """us: at most 7 calls about one debt in 7 consecutive days."""
    a, cap = ctx.attempt, ctx.rules.calls_per_7_days
    if a.channel != "call" or cap is None or ctx.consented or len(ctx.history) < cap:
        return None
    debt = a.debt_id
    times = _counted(ctx, "debt_calls")
    if len(times) < cap:
        return None
    for local in loc:
        day, tz = local.date(), local.tzinfo
        start, end = midnight(tz, day - _SIX_DAYS), midnight(tz, day + _ONE_DAY)
        count = _count(times, start, end)
        if count < cap:
            continue
        free = _free_day(times, tz, day, cap)
        if ctx.probing:
            return _probe(_moment(midnight(tz, free), tz) if cap else None)
        first = _moment(times[bisect_left(times, start)], tz).date() if count else day
        return Hit("us.call_frequency_7in7", "calls_7in7",
                   {"count": count, "cap": cap, "debt": debt or "-",
                    "first": first.isoformat(), "last": day.isoformat(),
                    "zone": _zname(local)},
                   _moment(midnight(tz, free), tz) if cap else None, TIMED)
    return None


#: the seven days that end on each of the next seven days: (day k, window start, end)
_NEXT_WEEKS = tuple((timedelta(days=k), timedelta(days=k - 6), timedelta(days=k + 1))
                    for k in range(1, 8))


def _free_day(times: list[datetime], tz: Any, day: date, cap: int) -> date:
    """The first day after ``day`` whose seven days end with fewer than ``cap`` calls."""
    for k, start, end in _NEXT_WEEKS:
        if _count(times, midnight(tz, day + start), midnight(tz, day + end)) < cap:
            return day + k
    return day + _SEVEN_DAYS


def check_us_conversation(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """us: no call about a debt within 7 days after a telephone conversation about it
    (the conversation day is day 1)."""
    a, days = ctx.attempt, ctx.rules.conversation_pause_days
    if a.channel != "call" or days is None or ctx.consented:
        return None
    debt = a.debt_id
    times = _counted(ctx, "debt_conversations")
    if not times:
        return None
    for local in loc:
        today, tz = local.date(), local.tzinfo
        start = midnight(tz, today - _days(days - 1))
        last_index = bisect_left(times, midnight(tz, today + _ONE_DAY)) - 1
        if last_index < 0 or times[last_index] < start:
            continue
        last = _moment(times[last_index], tz).date()
        until = last + _days(days)
        if ctx.probing:
            return _probe(_moment(midnight(tz, until), tz))
        return Hit("us.conversation_7day", "conversation_pause",
                   {"debt": debt or "-", "date": last.isoformat(), "days": days,
                    "until": until.isoformat(), "zone": _zname(local)},
                   _moment(midnight(tz, until), tz), TIMED)
    return None


_COMMON_POLICY: tuple[Check, ...] = (check_channel_hours, check_holiday, check_weekday)

CHECKS: dict[str, tuple[Check, ...]] = {
    "cn": (check_holds, check_refused, check_third_party, check_opt_out, check_prohibited,
           check_field_visit, check_agency, check_hours, *_COMMON_POLICY,
           check_cn_call_attempts, check_daily_conversations),
    "us": (check_holds, check_refused, check_third_party, check_opt_out, check_prohibited,
           check_template_opt_out, check_time_barred, check_workplace, check_hours,
           *_COMMON_POLICY, check_us_7in7, check_us_conversation),
    "gb": (check_holds, check_breathing_space, check_refused, check_third_party,
           check_opt_out, check_preferred_channel, check_prohibited, check_financial_difficulty,
           check_hours, check_preferred_time, *_COMMON_POLICY, check_gb_call_attempts,
           check_daily_conversations),
}


# ---------------------------------------------------------------- the decision

#: Checks whose answer can change as time passes; the others depend only on who is
#: contacted, how and about what, so the search for the next allowed time skips them.
_TIME_DEPENDENT = frozenset({
    check_breathing_space, check_agency, check_hours, check_channel_hours,
    check_preferred_time, check_holiday, check_weekday, check_cn_call_attempts,
    check_daily_conversations, check_gb_call_attempts, check_us_7in7, check_us_conversation,
})
#: Checks of time and counters (tier 3); every pack lists them after the others.
_TIMED = frozenset({
    check_hours, check_channel_hours, check_preferred_time, check_holiday, check_weekday,
    check_cn_call_attempts, check_daily_conversations, check_gb_call_attempts, check_us_7in7,
    check_us_conversation,
})
#: Tier-3 checks that read only the borrower's recorded preferences.
_PREFERENCES = frozenset({check_preferred_time})


class Plan(NamedTuple):
    """The checks one set of rules runs, sorted for the decision and for the search."""

    rules: PackRules
    #: holds and who/what/how: silent for a plain attempt (see ``_plain``)
    gated: tuple[Check, ...]
    #: time and counters, in the pack's order
    timed: tuple[Check, ...]
    #: ``timed`` without the checks of recorded preferences (a plain customer has none)
    timed_plain: tuple[Check, ...]
    #: the checks time can change, for the search of the next allowed time
    moving: tuple[Check, ...]


_PLANS: dict[int, Plan] = {}


def _plan_for(rules: PackRules) -> Plan:
    """The pack's checks, without the lender-policy checks these rules do not use."""
    plan = _PLANS.get(id(rules))
    if plan is not None and plan.rules is rules:
        return plan
    unused = set()
    if not rules.channel_windows:
        unused.add(check_channel_hours)
    if rules.holiday_country is None:
        unused.add(check_holiday)
    if not rules.weekday_channels:
        unused.add(check_weekday)
    if rules.agencies is None:
        unused.add(check_agency)
    checks = tuple(c for c in CHECKS[rules.name] if c not in unused)
    timed = tuple(c for c in checks if c in _TIMED)
    assert checks[len(checks) - len(timed):] == timed, "time checks come last"
    plan = Plan(rules, checks[:len(checks) - len(timed)], timed,
                tuple(c for c in timed if c not in _PREFERENCES),
                tuple(c for c in checks if c in _TIME_DEPENDENT))
    if len(_PLANS) > 4096:
        _PLANS.clear()
    _PLANS[id(rules)] = plan
    return plan


def _plain(attempt: Attempt, customer: Customer) -> bool:
    """Nothing on record that a hold, a party, a template or a preference rule reads: the
    borrower themself, no flags, refusals, consents or breathing space, no template, no
    agency, no visit. Then only the checks of time and counters can block."""
    return (not customer.flags and not customer.refused_contacts and not customer.consents
            and customer.breathing_space_until is None and attempt.template is None
            and attempt.agency_id is None and attempt.channel != "visit"
            and attempt.party in BORROWER_PARTIES)


def _next_allowed(checks: tuple[Check, ...], ctx: Ctx, hits: list[Hit]) -> datetime | None:
    """The earliest moment every rule allows, or None when waiting does not help.

    Each blocking rule lets go no earlier than its ``next_at``, so the search jumps to the
    latest of them and asks again; on the way only the first rule that still blocks is
    needed (the hours first: a counter that lets go at midnight meets the night).
    ``checks`` are those time can change (``Plan.moving``).
    """
    later = hits[0].next_at
    for h in hits:
        if h.next_at is None:
            return None
        if h.next_at > later:  # type: ignore[operator]
            later = h.next_at
    t = ctx.attempt.at
    zones = ctx.zones
    ctx.probing = True
    for _ in range(_MAX_STEPS):
        if later is None or later <= t:
            return None
        t = later
        loc = [t.astimezone(z) for z in zones]
        for check in checks:
            hit = check(ctx, t, loc)
            if hit is not None:
                later = hit.next_at
                break
        else:
            return t
    return None


def decide(rules: PackRules, attempt: Attempt, customer: Customer,
           history: Sequence[tuple[Any, ...]],
           zones: tuple[tzinfo, ...] | None = None) -> Decision:
    """Decide one attempt under ``rules`` given the customer and the contact history.

    ``zones`` are the candidate zones when the caller has derived them already
    (``zones.candidate_zones``); otherwise they are derived here.
    """
    if zones is None:
        zones = candidate_zones(customer.timezone, attempt.contact_value,
                                customer.address_timezone, customer.country or rules.country)
    ctx = Ctx(rules, attempt, customer, history, zones)
    plan = _plan_for(rules)
    at = attempt.at
    loc = [at.astimezone(z) for z in zones]
    hits = []
    if _plain(attempt, customer):
        timed = plan.timed_plain
    else:
        timed = plan.timed
        for check in plan.gated:
            hit = check(ctx, at, loc)
            if hit is not None:
                hits.append(hit)
    for check in timed:
        hit = check(ctx, at, loc)
        if hit is not None:
            hits.append(hit)
    if not hits:
        return _new(Decision, (True, (), (), loc[0], str(zones[0]), None, rules.name,
                               rules.full_version))
    return _blocked(plan, ctx, hits)


def _shown(hits: list[Hit], zones: tuple[tzinfo, ...]
           ) -> tuple[tuple[Hit, ...], tuple[str, ...], tzinfo]:
    """The hits of the first tier that blocks, their rules, and the zone the first of
    them speaks of (else the first candidate zone)."""
    if len(hits) == 1:
        shown: tuple[Hit, ...] = (hits[0],)
        rules: tuple[str, ...] = (hits[0].rule,)
    else:
        tier = min(h.tier for h in hits)
        shown = tuple(h for h in hits if h.tier == tier)
        rules = tuple(dict.fromkeys(h.rule for h in shown))
    for h in shown:
        if "zone" in h.params:
            return shown, rules, zone(h.params["zone"])
    return shown, rules, zones[0]


def _blocked(plan: Plan, ctx: Ctx, hits: list[Hit]) -> Decision:
    """The decision to block: the hits of the first tier that blocks, shown in the zone
    the first of them speaks of, with the next allowed time."""
    shown, rules, tz = _shown(hits, ctx.zones)
    after = _next_allowed(plan.moving, ctx, hits)
    pack = plan.rules
    return _new(Decision, (False, rules, shown, ctx.attempt.at.astimezone(tz), str(tz),
                           after.astimezone(tz) if after else None, pack.name,
                           pack.full_version))


def explain(decision: Decision, locale: str = "en") -> str:
    """The decision in words, in ``locale`` (``en`` or ``zh-CN``)."""
    if decision.allowed:
        return render("allowed", {"time": _hhmm(decision.local_time),
                                  "zone": decision.zone, "pack": decision.pack,
                                  "version": decision.version}, locale)
    return explain_hits(decision.hits, locale)


def explain_hits(hits: Sequence[Hit], locale: str = "en") -> str:
    """The words of a block: each blocking rule's, in order."""
    return separator(locale).join(render(h.key, h.params, locale) for h in hits)


# ---------------------------------------------------------------- the compiled decision

_decide_timed = _kernel.decide_timed if _kernel is not None else None
#: the checks ``_history.decide_timed`` makes, in each pack's order (a plain call)
_KERNEL_CHECKS: dict[str, tuple[Check, ...]] = {
    "cn": (check_hours, check_cn_call_attempts, check_daily_conversations),
    "us": (check_hours, check_us_7in7, check_us_conversation),
    "gb": (check_hours, check_gb_call_attempts, check_daily_conversations),
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_DAY_US = 86_400_000_000
#: the run of local days a table of midnights covers around the attempt's UTC day: two
#: weeks back (the packs look back six days; a lender's longer pause fits), and twelve
#: days forward, as far as most searches for the next allowed time go, or twenty-six (as
#: far as a compiled table holds: forty days) when one goes further
_DAYS_BEFORE, _DAYS_AFTER, _DAYS_AFTER_LONG = 14, 12, 26
_ZONE_DAYS: dict[tuple[Any, ...], Any] = {}
_ORDINAL_1970 = date(1970, 1, 1).toordinal()


def decide_unread(rules: PackRules, attempt: Attempt, customer: Customer, raw_history: Any,
                  zones: tuple[tzinfo, ...]) -> Decision | None:
    """``decide`` for a call to the borrower, reading the scenario's history as written
    (the evaluation format's list of objects) in compiled code; None when that does not
    apply: nothing compiled, another channel or party, a breathing space with an end,
    lender-policy checks of time, more than eight windows of consented or preferred
    times, a change of UTC offset near the attempt in a candidate zone, or a history
    that is not the usual one. The caller then parses the history and calls ``decide``,
    which names any error. Property tests hold the two decisions equal.

    The checks of time and counters are compiled; holds and the checks of who, what and
    how (which read no history, and, without a breathing space's end, never let go) are
    the Python checks, asked only when something is on record.
    """
    if (_decide_timed is None or attempt.channel != "call"
            or attempt.party not in BORROWER_PARTIES):
        return None
    gate = None
    consented = False
    lifts = preferred = preferred_words = until = None
    if not _plain(attempt, customer):
        # what the record does: holds and the checks of who, what and how read no history
        # and, without a breathing space's end, never let go; consents to times of day
        gate = plain_call_gate(rules, customer, attempt, zones)
        if gate is None:
            return None
        consented, lifts, preferred, preferred_words, until = gate[0], *gate[3:7]
    timed = _timed_rules(rules)
    if timed is None:
        return None
    try:
        t = (attempt.at - _EPOCH) // _US
    except (TypeError, OverflowError):
        return None
    utc_day = t // _DAY_US
    days = _zone_days(zones, utc_day, _DAYS_AFTER)
    if days is None:
        return None
    a = attempt
    found = _decide_timed(timed, raw_history, days, t, a.contact_value, a.contact_id,
                          a.debt_id, consented, OFFSETS_SEEN, lifts, preferred, until)
    if found is False:
        # the search for the next allowed time went past the table: a longer one
        days = _zone_days(zones, utc_day, _DAYS_AFTER_LONG)
        if days is None:
            return None
        found = _decide_timed(timed, raw_history, days, t, a.contact_value, a.contact_id,
                              a.debt_id, consented, OFFSETS_SEEN, lifts, preferred, until)
    if not found:
        return None
    name = rules.name
    hits, after = found
    if gate is not None and gate[1] is not None:
        # the history is well formed (else Python would name its error): a hold blocks,
        # for good or until a breathing space ends and every other rule allows
        return _new(Decision, (False, gate[2], gate[1], attempt.at.astimezone(zones[0]),
                               str(zones[0]), None if until is None or after is None else (
                                   _EPOCH + after * _US).astimezone(zones[0]),
                               name, rules.full_version))
    if not hits:
        return _new(Decision, (True, (), (), attempt.at.astimezone(zones[0]), days.names[0],
                               None, name, rules.full_version))
    words = kernel_words(rules, days, hits, after, attempt.debt_id, preferred_words)
    return _new(Decision, (False, words[1], words[2], attempt.at.astimezone(words[3]),
                           words[4], words[5], name, rules.full_version))


def kernel_words(rules: PackRules, days: Any, hits: list[tuple[Any, ...]], after: int | None,
                 debt_id: str | None, preferred: tuple[str, str] | None = None
                 ) -> tuple[Any, ...]:
    """The words of a block found by ``decide_timed`` (its ``hits`` and next allowed time,
    on the table ``days``), for a call about ``debt_id`` (to a borrower who prefers the
    times ``preferred``, as words): (rules, their names, the hits as the Python checks
    word them, the zone shown, its name, the next allowed time).

    A dialler list blocks many calls for the same reasons (the same pause, the same
    night): their words are made once, and the decisions share them."""
    key = (id(rules), days, tuple(hits), after, debt_id, preferred)
    words = _KERNEL_WORDS.get(key)
    if words is None or words[0] is not rules:
        made = tuple(_kernel_hit(rules, debt_id, days, *hit, preferred) for hit in hits)
        tz = days.zones[hits[0][1]]
        words = (rules, (made[0].rule,) if len(made) == 1 else tuple(dict.fromkeys(
            h.rule for h in made)), made, tz, days.names[hits[0][1]],
            None if after is None else (_EPOCH + after * _US).astimezone(tz))
        if len(_KERNEL_WORDS) >= 16384:
            _KERNEL_WORDS.clear()
        _KERNEL_WORDS[key] = words
    return words


_KERNEL_WORDS: dict[tuple[Any, ...], tuple[Any, ...]] = {}


def clear_caches() -> None:
    """Forget the tables of local days and the shared words of blocked decisions (they
    are bounded; this is for measurements)."""
    _ZONE_DAYS.clear()
    _KERNEL_WORDS.clear()


_TIMED_RULES: dict[int, tuple[PackRules, Any]] = {}


def _timed_rules(rules: PackRules) -> Any:
    """``rules`` for ``_history.decide_timed`` (once per set of rules), or None when their
    checks of time are not the pack's own (a lender's policy adds some)."""
    found = _TIMED_RULES.get(id(rules))
    if found is not None and found[0] is rules:
        return found[1]
    name = rules.name
    timed = None
    if _plan_for(rules).timed_plain == _KERNEL_CHECKS.get(name):
        if name == "us":
            cap1, cap2 = rules.calls_per_7_days, rules.conversation_pause_days
        else:
            cap1 = (rules.calls_per_number_per_day if name == "cn"
                    else rules.calls_per_borrower_per_day)
            cap2 = rules.conversations_per_day
        timed = _kernel.TimedRules(
            name, "call" in rules.window_channels, rules.window_start, rules.window_end,
            -1 if cap1 is None else cap1, -1 if cap2 is None else cap2, rules.history_days,
            _MAX_STEPS, CHANNELS, RESULTS, INBOUND, BORROWER_PARTIES, NOT_CONNECTED)
    if len(_TIMED_RULES) > 4096:
        _TIMED_RULES.clear()
    _TIMED_RULES[id(rules)] = (rules, timed)
    return timed


def plain_call_gate(rules: PackRules, customer: Customer, attempt: Attempt,
                    zones: tuple[tzinfo, ...]) -> tuple[Any, ...] | None:
    """What a customer's record does to a call to the borrower, for the compiled decision
    (``_history.decide_timed``): (consented to calls, the hits shown when a hold or a check
    of who or how blocks, else None, their rule names, the times of day consented to
    outside the allowed hours, the times preferred (gb) and the first of those as words,
    the end of a breathing space that blocks until then (UTC microseconds; None: the
    hits block for good)), or None when more than a breathing space lets go later
    (decided in Python). ``decide_unread`` reads the record with it too."""
    plan = _plan_for(rules)
    ctx = Ctx(rules, attempt, customer, (), zones)
    consented = False
    lifts: tuple[tuple[int, int], ...] = ()
    preferred: tuple[tuple[int, int], ...] = ()
    words = None
    if customer.consents:
        consented = recent_call_consent(customer, attempt.at)
        lifts = tuple(_time_windows(ctx, _LIFTING_CONSENTS))
        if check_preferred_time in plan.timed:
            preferred = tuple(_time_windows(ctx, ("preferred_time",)))
            if preferred:
                words = (format_hhmm(preferred[0][0]), format_hhmm(preferred[0][1]))
    at = attempt.at
    loc = [at.astimezone(z) for z in zones]
    hits = []
    until = None
    for check in plan.gated:
        hit = check(ctx, at, loc)
        if hit is not None:
            if hit.next_at is not None:
                # only a breathing space on its own lets go at a time the compiled
                # search knows (every zone past its last day)
                if check is not check_breathing_space or hits:
                    return None
                until = (hit.next_at - _EPOCH) // _US
            elif until is not None:
                return None
            hits.append(hit)
    if not hits:
        return (consented, None, (), lifts, preferred, words, None)
    shown, names, tz = _shown(hits, zones)
    if tz is not zones[0]:
        return None  # the compiled answer shows a hold's local time in the first zone
    return (consented, shown, names, lifts, preferred, words, until)


def _kernel_hit(rules: PackRules, debt_id: str | None, days: Any, check: int, z: int, k: int,
                a: int, b: int, next_at: int | None, preferred: tuple[str, str] | None) -> Hit:
    """One blocking check of ``decide_timed`` as the Python check words it."""
    tz = days.zones[z]
    rule, key, params = kernel_forms(rules)[check]
    first = days.first_ordinal
    params = dict(params, zone=days.names[z])
    if check == 0 or check == 5:
        if check == 5 and preferred is not None:
            params["start"], params["end"] = preferred
        params["time"] = f"{a // 3600:02d}:{a // 60 % 60:02d}"
    elif check == 1 or check == 2:
        params.update(count=a, date=date.fromordinal(first + k).isoformat())
    elif check == 3:
        params.update(count=a, debt=debt_id or "-",
                      first=date.fromordinal(first + b).isoformat(),
                      last=date.fromordinal(first + k).isoformat())
    else:
        params.update(debt=debt_id or "-", date=date.fromordinal(first + a).isoformat(),
                      until=date.fromordinal(first + b).isoformat())
    return Hit(rule, key, params, None if next_at is None else (
        _EPOCH + next_at * _US).astimezone(tz), TIMED)


def kernel_forms(rules: PackRules) -> tuple[tuple[str, str, dict[str, Any]], ...]:
    """The six checks of ``decide_timed`` under ``rules``, by number (hours, daily calls,
    daily conversations, seven calls in seven days, the pause after a conversation, the
    times the borrower prefers): each one's rule, message key and the values of its
    words that only the rules set (the others are the hit's: the time, the day, the
    count, the debt, the zone, the preferred window)."""
    found = _FORMS.get(id(rules))
    if found is not None and found[0] is rules:
        return found[1]
    name = rules.name
    rule, key, start, end = _hours_words(rules)
    forms = (
        (rule, key, {"start": start, "end": end}),
        ("cn.daily_call_attempts", "daily_call_attempts", {
            "cap": rules.calls_per_number_per_day}) if name == "cn" else
        ("gb.daily_attempts", "daily_attempts", {"cap": rules.calls_per_borrower_per_day}),
        (f"{name}.daily_conversations", "daily_conversations",
         {"cap": rules.conversations_per_day}),
        ("us.call_frequency_7in7", "calls_7in7", {"cap": rules.calls_per_7_days}),
        ("us.conversation_7day", "conversation_pause", {"days": rules.conversation_pause_days}),
        ("gb.preferences", "preferred_time", {}),
    )
    if len(_FORMS) >= 4096:
        _FORMS.clear()
    _FORMS[id(rules)] = (rules, forms)
    return forms


_FORMS: dict[int, tuple[PackRules, Any]] = {}


def _zone_days(zones: tuple[tzinfo, ...], utc_day: int, after: int) -> Any:
    """The candidate zones' local midnights from ``_DAYS_BEFORE`` days before UTC day
    ``utc_day`` (days since 1970) to ``after`` days after it, or None when a zone changes
    its offset in them (cached)."""
    key = (zones, utc_day, after)
    found = _ZONE_DAYS.get(key, _ZONE_DAYS)
    if found is _ZONE_DAYS:
        found = _build_zone_days(zones, utc_day, after)
        if len(_ZONE_DAYS) >= 4096:
            _ZONE_DAYS.clear()
        _ZONE_DAYS[key] = found
    return found


def _build_zone_days(zones: tuple[tzinfo, ...], utc_day: int, after: int) -> Any:
    try:
        first = date.fromordinal(_ORDINAL_1970 + utc_day - _DAYS_BEFORE)
        run = [first + _days(k) for k in range(_DAYS_BEFORE + after)]
        rows = []
        for tz in zones:
            mids = [midnight(tz, day) for day in run]
            offset = as_local(mids[0], tz).utcoffset()
            if any(as_local(m, tz).utcoffset() != offset for m in mids):
                return None
            rows.append([(m - _NAIVE_1970) // _US for m in mids])
        return _kernel.ZoneDays(zones, first.toordinal(), rows)
    except (ValueError, OverflowError):
        return None  # a day that is not 24 hours long; the edge of the calendar


_NAIVE_1970 = datetime(1970, 1, 1)
