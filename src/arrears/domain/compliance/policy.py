"""A lender's policy on top of a pack: stricter windows, lower caps, holidays, per-product
settings, in versions that take effect on a date.

Options merge in layers: the policy's base options, then the newest version in effect on
the day, then the product's options. Every layer is checked against the pack when the
policy is read, so a policy looser than the law is refused before any decision is made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from arrears.domain.compliance.packs import OptionError, PackRules, apply_options, get_pack


class PolicyError(ValueError):
    """A lender policy that is malformed or looser than its pack."""

    def __init__(self, where: str, reason: str) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


@dataclass(frozen=True)
class PolicyVersion:
    """Options that take effect on ``effective_from`` (until a newer version does)."""

    version: str
    effective_from: date
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LenderPolicy:
    """The lender's compliance policy: a pack and the options that tighten it."""

    pack: str = "cn"
    options: dict[str, Any] = field(default_factory=dict)
    versions: tuple[PolicyVersion, ...] = ()
    products: dict[str, dict[str, Any]] = field(default_factory=dict)

    def version_on(self, day: date) -> PolicyVersion | None:
        """The newest version in effect on ``day``."""
        current = None
        for v in self.versions:
            if v.effective_from <= day and (current is None
                                            or v.effective_from >= current.effective_from):
                current = v
        return current

    def options_for(self, *, on: date, product: str | None = None) -> tuple[dict[str, Any], str]:
        """The merged options in effect on ``on`` for ``product``, and their version label."""
        merged = dict(self.options)
        label = "policy"
        version = self.version_on(on)
        if version is not None:
            merged.update(version.options)
            label = f"policy:{version.version}"
        if product and product in self.products:
            merged.update(self.products[product])
            label = f"{label}/{product}"
        return merged, label

    def rules_for(self, *, on: date, product: str | None = None) -> PackRules:
        """Pack rules with the options in effect (versioned as ``pack+policy:...``)."""
        options, label = self.options_for(on=on, product=product)
        rules = apply_options(get_pack(self.pack), options)
        if not options:
            return rules
        from dataclasses import replace

        return replace(rules, policy_version=label)

    def validate(self) -> None:
        """Refuse anything looser than the pack, naming the layer and the option."""
        layers: list[tuple[str, dict[str, Any]]] = [("options", self.options)]
        layers += [(f"versions[{i}].options", v.options) for i, v in enumerate(self.versions)]
        layers += [(f"products.{name}", opts) for name, opts in self.products.items()]
        pack = _pack(self.pack)
        for where, options in layers:
            try:
                apply_options(pack, {**self.options, **options})
            except OptionError as exc:
                raise PolicyError(f"{where}.{exc.option}", exc.reason) from None


def _pack(name: str) -> PackRules:
    try:
        return get_pack(name)
    except OptionError as exc:
        raise PolicyError("pack", exc.reason) from None


def build_policy(*, pack: str, options: dict[str, Any] | None = None,
                 versions: list[dict[str, Any]] | None = None,
                 products: dict[str, dict[str, Any]] | None = None) -> LenderPolicy:
    """A validated lender policy from plain values (the configuration's section)."""
    parsed = []
    for i, v in enumerate(versions or []):
        try:
            when = v["effective_from"]
            when = when if isinstance(when, date) else date.fromisoformat(str(when))
        except (KeyError, ValueError):
            raise PolicyError(f"versions[{i}].effective_from",
                              "needs a date YYYY-MM-DD") from None
        parsed.append(PolicyVersion(version=str(v.get("version") or when.isoformat()),
                                    effective_from=when, options=dict(v.get("options") or {})))
    policy = LenderPolicy(pack=pack, options=dict(options or {}), versions=tuple(parsed),
                          products={k: dict(o or {}) for k, o in (products or {}).items()})
    policy.validate()
    return policy
