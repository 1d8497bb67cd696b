"""Human explanations of decisions, in English and Simplified Chinese.

Each blocking rule produces a message key and values; the text is rendered here so that
the evaluation output (English) and the desk (the collector's language) say the same thing.
"""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, dict[str, str]] = {
    "allowed": {
        "en": "{time} {zone}: allowed under pack {pack} ({version})",
        "zh-CN": "{time} {zone}：按规则包 {pack}（{version}）允许联系",
    },
    "quiet_hours": {
        "en": "{time} {zone} is inside quiet hours ({start}-{end})",
        "zh-CN": "{time} {zone} 处于禁止联系时段（{start}-{end}）",
    },
    "outside_hours": {
        "en": "{time} {zone} is outside allowed hours ({start}-{end})",
        "zh-CN": "{time} {zone} 不在允许联系时段内（{start}-{end}）",
    },
    "channel_hours": {
        "en": "{time} {zone} is outside the lender's {channel} hours ({start}-{end})",
        "zh-CN": "{time} {zone} 不在机构规定的{channel}时段内（{start}-{end}）",
    },
    "preferred_time": {
        "en": "{time} {zone} is outside the borrower's preferred time ({start}-{end})",
        "zh-CN": "{time} {zone} 不在借款人选择的联系时间内（{start}-{end}）",
    },
    "preferred_channel": {
        "en": "the borrower asked to be contacted by {channels} only",
        "zh-CN": "借款人要求仅通过 {channels} 联系",
    },
    "no_common_window": {
        "en": "no time is allowed in all candidate time zones ({zones})",
        "zh-CN": "所有候选时区（{zones}）没有共同的允许联系时间",
    },
    "daily_call_attempts": {
        "en": "{count} unanswered calls to this number on {date} ({zone}); at most {cap} a day",
        "zh-CN": "{date}（{zone}）已对该号码拨打 {count} 次未接通；每日最多 {cap} 次",
    },
    "daily_attempts": {
        "en": "{count} call attempts to the borrower on {date} ({zone}); at most {cap} a day",
        "zh-CN": "{date}（{zone}）已呼叫借款人 {count} 次；每日最多 {cap} 次",
    },
    "daily_conversations": {
        "en": "{count} conversations with the borrower on {date} ({zone}); at most {cap} a day",
        "zh-CN": "{date}（{zone}）已与借款人通话 {count} 次；每日最多 {cap} 次",
    },
    "calls_7in7": {
        "en": "{count} calls about debt {debt} from {first} to {last}; at most {cap} "
              "in 7 consecutive days",
        "zh-CN": "{first} 至 {last} 已就债务 {debt} 致电 {count} 次；连续 7 天最多 {cap} 次",
    },
    "conversation_pause": {
        "en": "telephone conversation about debt {debt} on {date}; no call for {days} days "
              "(until {until})",
        "zh-CN": "{date} 已就债务 {debt} 通话；{days} 天内不得再致电（至 {until}）",
    },
    "third_party_unreachable": {
        "en": "{party} is not the borrower: third parties may be contacted only when the "
              "borrower is flagged unreachable",
        "zh-CN": "{party} 不是借款人：仅在借款人失联时才可联系第三方",
    },
    "third_party_debt": {
        "en": "{party} is a third party: the debt must not be mentioned",
        "zh-CN": "{party} 是第三方：不得提及债务",
    },
    "refused_contact": {
        "en": "contact {contact} refused further contact",
        "zh-CN": "联系人 {contact} 已拒绝再被联系",
    },
    "field_visit": {
        "en": "a field visit needs at least {need} collectors ({have} planned)",
        "zh-CN": "外访至少需要 {need} 名催收员（计划 {have} 名）",
    },
    "agency_not_whitelisted": {
        "en": "agency {agency} is not on the lender's whitelist",
        "zh-CN": "委外机构 {agency} 不在白名单内",
    },
    "agency_unevaluated": {
        "en": "agency {agency} has no evaluation on record",
        "zh-CN": "委外机构 {agency} 没有评估记录",
    },
    "agency_stale": {
        "en": "agency {agency} was last evaluated on {date}, more than {days} days ago",
        "zh-CN": "委外机构 {agency} 最近一次评估为 {date}，已超过 {days} 天",
    },
    "prohibited": {
        "en": "template {template} has prohibited content: {what}",
        "zh-CN": "模板 {template} 含有禁止内容：{what}",
    },
    "cease_communication": {
        "en": "the customer asked us to cease communication; only the permitted notices "
              "may be sent",
        "zh-CN": "客户要求停止联系；仅可发送允许的通知",
    },
    "dispute": {
        "en": "the debt is disputed; collection stops until verification is sent",
        "zh-CN": "债务存在争议；在发送核实材料前暂停催收",
    },
    "validation_pending": {
        "en": "the customer asked for validation information; collection stops until it "
              "is sent",
        "zh-CN": "客户要求提供债务核实信息；发送前暂停催收",
    },
    "attorney": {
        "en": "the customer is represented by an attorney; contact the attorney only",
        "zh-CN": "客户已委托律师；只能联系律师",
    },
    "bankruptcy": {
        "en": "the customer is in bankruptcy; no contact",
        "zh-CN": "客户处于破产程序中；不得联系",
    },
    "deceased": {
        "en": "the customer is deceased; no contact",
        "zh-CN": "客户已身故；不得联系",
    },
    "hardship_hold": {
        "en": "collection is on hold for hardship",
        "zh-CN": "因客户困难，催收已暂停",
    },
    "breathing_space": {
        "en": "breathing space until {until}: no collection contact",
        "zh-CN": "债务喘息期至 {until}：不得进行催收联系",
    },
    "breathing_space_open": {
        "en": "breathing space without an end date: no collection contact",
        "zh-CN": "债务喘息期（未定结束日期）：不得进行催收联系",
    },
    "opt_out": {
        "en": "the customer opted out of {channel}",
        "zh-CN": "客户已退订 {channel} 渠道",
    },
    "template_opt_out": {
        "en": "{channel} template {template} has no opt-out instruction",
        "zh-CN": "{channel} 模板 {template} 缺少退订说明",
    },
    "time_barred": {
        "en": "the debt is time-barred: template {template} mentions legal action",
        "zh-CN": "债务已过诉讼时效：模板 {template} 提及法律行动",
    },
    "workplace": {
        "en": "the employer forbids contact at work",
        "zh-CN": "雇主禁止在工作场所联系",
    },
    "financial_difficulty": {
        "en": "the customer is in financial difficulty: template {template} {what}",
        "zh-CN": "客户处于财务困难：模板 {template} {what}",
    },
    "holiday": {
        "en": "{date} is a public holiday in {country} ({name}): no {channel}",
        "zh-CN": "{date} 是 {country} 的法定节假日（{name}）：不进行{channel}",
    },
    "weekday": {
        "en": "no {channel} on {weekday} under the lender's policy",
        "zh-CN": "按机构政策，{weekday} 不进行{channel}",
    },
}


def render(key: str, params: dict[str, Any], locale: str = "en") -> str:
    """The message ``key`` with ``params`` in ``locale`` (English when unknown)."""
    texts = MESSAGES.get(key)
    if texts is None:
        return key
    try:
        return message(key, locale).format_map(params)
    except (KeyError, IndexError):
        return texts["en"]


def message(key: str, locale: str) -> str:
    """The words of message ``key`` in ``locale`` before its values are filled in
    (``render`` fills them)."""
    texts = MESSAGES[key]
    return texts.get(locale) or texts["en"]


def separator(locale: str) -> str:
    """What separates the words of two blocking rules in ``locale``."""
    return "；" if locale.startswith("zh") else "; "
