"""Operations-store tables of the desk part of the product."""

from __future__ import annotations
