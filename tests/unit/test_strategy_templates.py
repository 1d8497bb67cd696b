"""Every message template renders in both languages, in the sandbox, with every variable."""

from __future__ import annotations

import pytest
from jinja2.exceptions import SecurityError

from arrears.services.outbox import _ENV, load_templates, render_template, template_properties

CONTEXT = {"customer_name": "张三", "overdue_amount": "1234.50", "currency": "CNY", "dpd": 12,
           "case_ref": "C00000001", "oldest_due_date": "2026-03-01", "lender_name": "示例消费金融",
           "hotline": "400-800-1234", "opt_out": "回复TD退订", "as_of": "2026-03-13"}
CASES = [(script, channel, lang) for script, entry in load_templates().items()
         for channel in entry if channel != "properties" for lang in ("zh-CN", "en")]


@pytest.mark.parametrize(("script", "channel", "lang"), CASES)
def test_renders(script: str, channel: str, lang: str) -> None:
    subject, body = render_template(script, channel=channel, language=lang, context=CONTEXT)
    assert "1234.50" in body or "张三" in body
    assert "{{" not in body and (subject is None or "{{" not in subject)
    if channel in ("sms", "email"):
        assert template_properties(script)["has_opt_out"]
        assert CONTEXT["opt_out"] in body
    if channel in ("email", "letter"):
        assert subject


def test_sandbox_refuses_unsafe_access() -> None:
    with pytest.raises(SecurityError):
        _ENV.from_string("{{ x.__class__.__mro__ }}").render(x="")
