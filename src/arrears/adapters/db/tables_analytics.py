"""Operations-store tables of the analytics part of the product."""

from __future__ import annotations
