"""Write samples/black-sea-grain-brief.pdf, a short policy brief of our own writing.

Run once by a developer (fpdf2 is a test dependency); the PDF is committed so the demo needs
nothing beyond the runtime dependencies.
"""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

TITLE = "Policy Brief: The end of the Black Sea grain deal"
PARAGRAPHS = [
    "Published 18 July 2023",
    "Russia announced on 17 July 2023 that it would stop taking part in the Black Sea Grain "
    "Initiative, the arrangement brokered by Turkey and the United Nations in July 2022 that let "
    "Ukraine ship grain from its ports at Odesa, Chornomorsk and Pivdennyi despite the war.",
    "The Kremlin said that the parts of the deal meant to ease Russian exports of food and "
    "fertiliser had not been honoured. Officials in Kyiv called the decision an attempt to use "
    "hunger as a weapon, and the UN Secretary-General said he deeply regretted it.",
    "Under the initiative, more than 32 million tonnes of food were shipped from Ukrainian "
    "ports, a large share of it to developing countries. Wheat prices on international markets "
    "rose sharply in the days after the announcement.",
    "Turkish President Recep Tayyip Erdogan said he would try to persuade Moscow to return to "
    "the agreement. Ukraine began to look for other routes, along the Danube and through "
    "Romania, to keep its exports moving.",
]


def build(path: Path) -> None:
    """Render the brief to *path*."""
    pdf = FPDF(format="A4")
    pdf.set_title(TITLE)
    pdf.set_author("briefbot sample desk")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 15)
    pdf.multi_cell(0, 8, TITLE)
    pdf.ln(4)
    pdf.set_font("Helvetica", size=11)
    for paragraph in PARAGRAPHS:
        pdf.multi_cell(0, 6, paragraph)
        pdf.ln(3)
    pdf.output(str(path))


if __name__ == "__main__":
    build(Path(__file__).resolve().parent.parent / "samples" / "black-sea-grain-brief.pdf")
