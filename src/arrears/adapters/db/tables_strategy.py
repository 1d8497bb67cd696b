"""Operations-store tables of the strategy part of the product."""

from __future__ import annotations
