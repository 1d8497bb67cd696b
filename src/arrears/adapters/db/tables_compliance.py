"""Operations-store tables of the compliance part of the product."""

from __future__ import annotations
