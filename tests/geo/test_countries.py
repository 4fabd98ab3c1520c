"""Country names as analysts write them, in English and in French, to ISO3 codes."""

from __future__ import annotations

import pytest

import bluehelmet
from bluehelmet.actors.clues import countries_in
from bluehelmet.errors import NotFoundError
from bluehelmet.geo.countries import iso3_from_name, require_iso3


@pytest.mark.parametrize(
    ("name", "iso3"),
    [
        # French names of the ISO 3166 list, as francophone missions write them.
        ("Tchad", "TCD"), ("Mauritanie", "MRT"), ("République centrafricaine", "CAF"), ("Cameroun", "CMR"),
        ("Maroc", "MAR"), ("Soudan du Sud", "SSD"), ("République démocratique du Congo", "COD"),
        ("Algérie", "DZA"), ("Libye", "LBY"), ("Guinée", "GIN"),
        # Short forms in common use.
        ("Centrafrique", "CAF"), ("RDC", "COD"), ("Burkina", "BFA"),
        # English names keep their countries where the two languages meet.
        ("Niger", "NER"), ("Nigeria", "NGA"), ("Mali", "MLI"), ("Chad", "TCD"), ("Sudan", "SDN"),
        # The two Congos, as the press, the UN and the World Bank write them; "Congo" alone is
        # the Republic of the Congo, as in ISO 3166.
        ("RD Congo", "COD"), ("Congo-Kinshasa", "COD"), ("Congo (Kinshasa)", "COD"), ("Congo, Dem. Rep.", "COD"),
        ("Congo, Democratic Republic of the", "COD"), ("Congo-Brazzaville", "COG"), ("Congo (Brazzaville)", "COG"),
        ("Congo, Rep.", "COG"), ("Congo", "COG"),
        # Inverted names and articles; French short forms.
        ("Korea, North", "PRK"), ("Korea, Rep.", "KOR"), ("The Gambia", "GMB"), ("Gambia, The", "GMB"),
        ("Occupied Palestinian Territory", "PSE"), ("RCA", "CAF"), ("Russie", "RUS"), ("Fédération de Russie", "RUS"),
    ],
)
def test_a_country_is_known_by_its_english_and_french_names(name, iso3):
    assert iso3_from_name(name) == iso3


def test_a_country_required_from_a_code_or_a_name_or_a_clear_error_naming_the_nearest():
    assert [require_iso3(t) for t in ("mli", "Mali", "Malí", "Tchad", "Côte d'Ivoire")] == ["MLI", "MLI", "MLI", "TCD", "CIV"]
    with pytest.raises(NotFoundError, match=r"--country 'Mail' is not a country; give an ISO3 code .* did you mean Mali \(MLI\)\?"):
        require_iso3("Mail")
    with pytest.raises(NotFoundError, match=r"--region 'Burkino Faso' is not a country.*Burkina Faso \(BFA\)"):
        require_iso3("Burkino Faso", option="--region")


def test_an_actor_name_mentioning_a_country_in_french_gives_that_country():
    assert countries_in("Forces armées (Tchad)") == {"TCD"}
    assert countries_in("Milice anti-balaka (Centrafrique)") == {"CAF"}


def test_an_incident_sheet_naming_countries_in_french_gives_their_codes(tmp_path):
    sheet = tmp_path / "minusca_incidents.csv"
    sheet.write_text(
        "#event+id,#date,#country+name,#adm1+name,#affected+killed,#group+name\n"
        "INC-1,2023-05-01,Tchad,Lac,2,Hommes armés non identifiés\n"
        "INC-2,2023-05-02,Centrafrique,Ouham,1,Anti-balaka\n"
        "INC-3,2023-05-03,Cameroun,Extrême-Nord,3,Boko Haram\n",
        encoding="utf-8",
    )
    with bluehelmet.open(tmp_path / "s.duckdb") as store:
        report = bluehelmet.ingest(store, sheet)
        assert (report.source_kind, report.stored, report.rejected) == ("incidents", 3, 0)
        codes = dict(store.con.execute("SELECT source_id, country_iso3 FROM events").fetchall())
        assert codes == {"INC-1": "TCD", "INC-2": "CAF", "INC-3": "CMR"}
        # And the events filter takes the French name too.
        assert store.count_events(country="Tchad") == store.count_events(country="TCD") == 1
