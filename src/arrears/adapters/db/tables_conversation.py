"""Operations-store tables of the conversation part of the product."""

from __future__ import annotations
