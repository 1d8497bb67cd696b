"""The decision: may this contact happen now, and if not, why and from when.

``decide(rules, attempt, customer, history)`` is a pure function. Every rule is a small
check ``(ctx, t, local_times) -> Hit | None`` evaluated at the attempt's time; a rule
that blocks says when it would let go (``next_at``), so the earliest time every rule
allows is found by moving forward from one release time to the next.

Rules come in tiers: holds (1), who/what/how may be contacted (2), time and counters (3).
A decision reports the blocking rules of the first tier that blocks: holds are checked
before counters. All candidate time zones must allow, so the strictest zone wins.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from arrears.domain.compliance.model import (
    BORROWER_PARTIES,
    EV_AT,
    NOT_CONNECTED,
    PERMITTED_NOTICES,
    REPRESENTATIVES,
    Attempt,
    Customer,
    Decision,
    Hit,
)
from arrears.domain.compliance.packs import DAY, PackRules, format_hhmm
from arrears.domain.compliance.texts import render
from arrears.domain.compliance.zones import candidate_zones, zone

HOLD, CONTACT, TIMED = 1, 2, 3
_ONE_DAY = timedelta(days=1)
_SEVEN_DAYS = timedelta(days=7)
_MAX_STEPS = 60
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                 "Sunday")

Check = Callable[["Ctx", datetime, list[datetime]], "Hit | None"]


class Ctx:
    """One decision's inputs and the history filtered once per rule."""

    __slots__ = ("rules", "attempt", "customer", "history", "zones", "memo", "consented")

    def __init__(self, rules: PackRules, attempt: Attempt, customer: Customer,
                 history: Sequence[tuple[Any, ...]], zones: tuple[ZoneInfo, ...]) -> None:
        self.rules = rules
        self.attempt = attempt
        self.customer = customer
        self.history = history
        self.zones = zones
        self.memo: dict[str, Any] = {}
        self.consented = _recent_call_consent(customer, attempt.at)


# ---------------------------------------------------------------- helpers

def _secs(local: datetime) -> int:
    return local.hour * 3600 + local.minute * 60 + local.second


def _in_window(secs: int, start: int, end: int) -> bool:
    if start < end:
        return start <= secs < end
    return secs >= start or secs < end  # the window wraps past midnight


@lru_cache(maxsize=8192)
def _midnight(tz: ZoneInfo, day: date) -> datetime:
    """Local midnight of ``day`` in ``tz``, as UTC (cheap to compare with any timestamp)."""
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def _day_bounds(local: datetime) -> tuple[datetime, datetime]:
    day = local.date()
    return _midnight(local.tzinfo, day), _midnight(local.tzinfo, day + _ONE_DAY)  # type: ignore[arg-type]


def _at_secs(local: datetime, secs: int) -> datetime:
    """The next moment at or after ``local`` whose local time of day is ``secs``."""
    day = local.date()
    if secs <= _secs(local):
        day = day + _ONE_DAY
    if secs >= DAY:
        return _midnight(local.tzinfo, day + _ONE_DAY).astimezone(local.tzinfo)  # type: ignore[arg-type]
    at = datetime.combine(day, time(secs // 3600, secs % 3600 // 60, secs % 60),
                          tzinfo=local.tzinfo)
    return at


def _zname(local: datetime) -> str:
    return str(local.tzinfo)


def _recent_call_consent(customer: Customer, at: datetime) -> bool:
    """us: the consumer consented to calls within the last 7 days."""
    for consent in customer.consents:
        if consent.kind in ("call", "call_consent", "contact") and consent.given_at:
            if at - _SEVEN_DAYS < consent.given_at <= at:
                return True
    return False


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
        secs = _secs(local)
        if _in_window(secs, start, end) or any(_in_window(secs, s, e) for s, e in lifts):
            continue
        # The next opening of the regular window: a consent is the borrower's exception,
        # never the schedule we plan the next attempt on.
        reopen = _at_secs(local, start)
        if worst is None or reopen > worst[1]:
            worst = (local, reopen)
    return worst


def _matches_debt(ev_debt: Any, debt: str | None) -> bool:
    return debt is None or ev_debt is None or ev_debt == debt


def _times(ctx: Ctx, name: str, keep: Callable[[tuple[Any, ...]], bool]) -> list[datetime]:
    """Times of the history events ``keep`` selects, computed once per decision."""
    found = ctx.memo.get(name)
    if found is None:
        found = [ev[EV_AT] for ev in ctx.history if keep(ev)]
        ctx.memo[name] = found
    return found


def _count_day(times: list[datetime], local: datetime) -> int:
    start, end = _day_bounds(local)
    return sum(1 for at in times if start <= at < end)


def _daily_cap(ctx: Ctx, loc: list[datetime], times: list[datetime], cap: int,
               rule: str, key: str) -> Hit | None:
    for local in loc:
        count = _count_day(times, local)
        if count >= cap:
            _, end = _day_bounds(local)
            return Hit(rule, key, {"count": count, "cap": cap, "date": local.date().isoformat(),
                                   "zone": _zname(local)}, end, TIMED)
    return None


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
    ends = max(_midnight(local.tzinfo, until + _ONE_DAY) for local in loc)  # type: ignore[arg-type]
    return Hit(f"{_p(ctx)}.breathing_space", "breathing_space",
               {"until": until.isoformat()}, ends, HOLD)


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
    channel = ctx.attempt.channel
    if "opt_out_" + channel in ctx.customer.flags:
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
    lifts = ctx.memo.get("lifts")
    if lifts is None:
        lifts = ctx.memo["lifts"] = _time_windows(ctx, ("call_time", "contact_time"))
    found = _window_hit(ctx, loc, r.window_start, r.window_end, lifts)
    if found is None:
        return None
    local, reopen = found
    if r.name == "cn":
        params = {"start": format_hhmm(r.window_end), "end": format_hhmm(r.window_start)}
        rule, key = "cn.quiet_hours", "quiet_hours"
    else:
        params = {"start": format_hhmm(r.window_start), "end": format_hhmm(r.window_end)}
        rule, key = f"{r.name}.hours", "outside_hours"
    params.update(time=local.strftime("%H:%M"), zone=_zname(local))
    return Hit(rule, key, params, reopen, TIMED)


def check_channel_hours(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """Lender policy: stricter hours for one channel."""
    channel = ctx.attempt.channel
    for ch, start, end in ctx.rules.channel_windows:
        if ch != channel:
            continue
        lifts = _time_windows(ctx, ("call_time", "contact_time"))
        found = _window_hit(ctx, loc, start, end, lifts)
        if found:
            local, reopen = found
            return Hit("policy.channel_hours", "channel_hours",
                       {"time": local.strftime("%H:%M"), "zone": _zname(local),
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
                       {"time": local.strftime("%H:%M"), "zone": _zname(local),
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
                        "channel": ctx.attempt.channel}, _day_bounds(local)[1], TIMED)
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
                           _day_bounds(local)[1], TIMED)
    return None


def check_cn_call_attempts(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """cn: at most 6 unanswered call attempts per local day to one phone number."""
    a, cap = ctx.attempt, ctx.rules.calls_per_number_per_day
    if a.channel != "call" or cap is None:
        return None
    times = ctx.memo.get("unanswered")
    if times is None:
        value, cid = a.contact_value, a.contact_id
        anyone = value is None and cid is None
        times = ctx.memo["unanswered"] = [
            ev[0] for ev in ctx.history
            if ev[1] == "call" and not ev[7] and ev[6] != "conversation"
            and (anyone or (value is not None and ev[4] == value)
                 or (cid is not None and ev[3] == cid))]
    return _daily_cap(ctx, loc, times, cap, "cn.daily_call_attempts", "daily_call_attempts")


def _borrower_conversations(ctx: Ctx) -> list[datetime]:
    times = ctx.memo.get("conversations")
    if times is None:
        times = ctx.memo["conversations"] = [
            ev[0] for ev in ctx.history
            if ev[6] == "conversation" and not ev[7] and ev[2] in BORROWER_PARTIES
            and ev[1] in ("call", "visit")]
    return times


def check_daily_conversations(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """cn: at most 3, gb: at most 1 conversation a day with the borrower (all agencies)."""
    a, cap = ctx.attempt, ctx.rules.conversations_per_day
    if cap is None or a.channel not in ("call", "visit") or a.party not in BORROWER_PARTIES:
        return None
    return _daily_cap(ctx, loc, _borrower_conversations(ctx), cap,
                      f"{_p(ctx)}.daily_conversations", "daily_conversations")


def check_gb_call_attempts(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """gb: at most 3 call attempts a day to the borrower."""
    a, cap = ctx.attempt, ctx.rules.calls_per_borrower_per_day
    if a.channel != "call" or cap is None or a.party not in BORROWER_PARTIES:
        return None
    times = _times(ctx, "borrower_calls", lambda ev: ev[1] == "call" and not ev[7]
                   and ev[2] in BORROWER_PARTIES)
    return _daily_cap(ctx, loc, times, cap, "gb.daily_attempts", "daily_attempts")


def check_us_7in7(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """us: at most 7 calls about one debt in 7 consecutive days."""
    a, cap = ctx.attempt, ctx.rules.calls_per_7_days
    if a.channel != "call" or cap is None or ctx.consented:
        return None
    times = _times(ctx, "debt_calls", lambda ev: ev[1] == "call" and not ev[7]
                   and ev[6] not in NOT_CONNECTED and not ev[8]
                   and _matches_debt(ev[5], a.debt_id))
    if len(times) < cap:
        return None
    for local in loc:
        day = local.date()
        tz = local.tzinfo
        days = sorted(at.astimezone(tz).date() for at in times)
        window = [d for d in days if (day - d).days in range(7)]
        if len(window) < cap:
            continue
        free = next((day + timedelta(days=k) for k in range(1, 8)
                     if sum(1 for d in days if 0 <= (day + timedelta(days=k) - d).days < 7)
                     < cap), day + timedelta(days=7))
        return Hit("us.call_frequency_7in7", "calls_7in7",
                   {"count": len(window), "cap": cap, "debt": a.debt_id or "-",
                    "first": window[0].isoformat(), "last": day.isoformat(),
                    "zone": _zname(local)}, _midnight(tz, free), TIMED)  # type: ignore[arg-type]
    return None


def check_us_conversation(ctx: Ctx, t: datetime, loc: list[datetime]) -> Hit | None:
    """us: no call about a debt within 7 days after a telephone conversation about it."""
    a, days = ctx.attempt, ctx.rules.conversation_pause_days
    if a.channel != "call" or days is None or ctx.consented:
        return None
    times = _times(ctx, "debt_conversations", lambda ev: ev[1] == "call" and not ev[7]
                   and ev[6] == "conversation" and ev[2] in BORROWER_PARTIES
                   and _matches_debt(ev[5], a.debt_id))
    if not times:
        return None
    for local in loc:
        today, tz = local.date(), local.tzinfo
        recent = [d for d in (at.astimezone(tz).date() for at in times)
                  if 0 <= (today - d).days < days]
        if recent:
            last = max(recent)
            until = last + timedelta(days=days)
            return Hit("us.conversation_7day", "conversation_pause",
                       {"debt": a.debt_id or "-", "date": last.isoformat(), "days": days,
                        "until": until.isoformat(), "zone": _zname(local)},
                       _midnight(tz, until), TIMED)  # type: ignore[arg-type]
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

_CHECKS_CACHE: dict[int, tuple[PackRules, tuple[Check, ...]]] = {}


def _checks_for(rules: PackRules) -> tuple[Check, ...]:
    """The pack's checks, without the lender-policy checks these rules do not use."""
    cached = _CHECKS_CACHE.get(id(rules))
    if cached is not None and cached[0] is rules:
        return cached[1]
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
    if len(_CHECKS_CACHE) > 4096:
        _CHECKS_CACHE.clear()
    _CHECKS_CACHE[id(rules)] = (rules, checks)
    return checks


def _run(checks: tuple[Check, ...], ctx: Ctx, t: datetime) -> list[Hit]:
    loc = [t.astimezone(z) for z in ctx.zones]
    hits = []
    for check in checks:
        hit = check(ctx, t, loc)
        if hit is not None:
            hits.append(hit)
    return hits


def _next_allowed(checks: tuple[Check, ...], ctx: Ctx, hits: list[Hit]) -> datetime | None:
    """The earliest moment every rule allows, or None when waiting does not help."""
    t = ctx.attempt.at
    for _ in range(_MAX_STEPS):
        if any(h.next_at is None for h in hits):
            return None
        later = max(h.next_at for h in hits)  # type: ignore[type-var]
        if later <= t:
            return None
        t = later
        hits = _run(checks, ctx, t)
        if not hits:
            return t
    return None


def decide(rules: PackRules, attempt: Attempt, customer: Customer,
           history: Sequence[tuple[Any, ...]]) -> Decision:
    """Decide one attempt under ``rules`` given the customer and the contact history."""
    zones = candidate_zones(customer.timezone, attempt.contact_value,
                            customer.address_timezone, customer.country or rules.country)
    ctx = Ctx(rules, attempt, customer, history, zones)
    checks = _checks_for(rules)
    hits = _run(checks, ctx, attempt.at)
    if not hits:
        return Decision(True, (), (), attempt.at.astimezone(zones[0]), str(zones[0]),
                        None, rules.name, rules.full_version)
    tier = min(h.tier for h in hits)
    shown = tuple(h for h in hits if h.tier == tier)
    shown_zone = next((h.params["zone"] for h in shown if "zone" in h.params), None)
    tz = zone(shown_zone) if shown_zone else zones[0]
    after = _next_allowed(checks, ctx, hits)
    return Decision(False, tuple(dict.fromkeys(h.rule for h in shown)), shown,
                    attempt.at.astimezone(tz), str(tz),
                    after.astimezone(tz) if after else None, rules.name, rules.full_version)


def explain(decision: Decision, locale: str = "en") -> str:
    """The decision in words, in ``locale`` (``en`` or ``zh-CN``)."""
    if decision.allowed:
        return render("allowed", {"time": decision.local_time.strftime("%H:%M"),
                                  "zone": decision.zone, "pack": decision.pack,
                                  "version": decision.version}, locale)
    sep = "；" if locale.startswith("zh") else "; "
    return sep.join(render(h.key, h.params, locale) for h in decision.hits)
