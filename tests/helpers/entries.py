"""Hand-made entries more than one test module reads."""

from __future__ import annotations

from index.entries import Entry

SUPERCOMPUTERS = Entry(
    id="p",
    kind="paper",
    title="Trends in AI Supercomputers",
    text="Frontier AI development relies on powerful AI supercomputers. We create a dataset of 500 AI supercomputers "
    "from 2019 to 2025. Power requirements doubled every year.",
)
