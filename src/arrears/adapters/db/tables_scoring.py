"""Operations-store tables of the scoring part of the product."""

from __future__ import annotations
