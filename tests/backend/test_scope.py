"""Role and office scope on every route and object."""

from __future__ import annotations

from tests.backend.support import assert_envelope, client

# The 29 Oficina Virtual tràmits and the 4 pilot ones of DESIGN.md (CREMA, fiances, cèdules, sancions).
ALL_TRAMIT_CODES = [
    "targeta-discapacitat", "reconeixement-grau-discapacitat", "prestacio-pua", "reconeixement-dependencia",
    "renda-garantida-ciutadania", "bo-social-termic", "prestacio-families-infants", "titol-familia-nombrosa",
    "titol-familia-monoparental", "registre-parelles-estables", "subvencions-lloguer",
    "prestacions-urgencia-habitatge", "registre-sollicitants-hpo", "llicencia-caca",
    "llicencia-pesca-recreativa", "titols-nautics", "peticio-generica", "inscripcio-associacio",
    "acces-informacio-publica", "queixes-suggeriments", "suport-idcat-mobil", "suport-clave",
    "suport-idcat-certificat", "carnet-jove", "carnet-alberguista", "preinscripcio-escolar", "beques-equitat",
    "document-voluntats-anticipades", "targeta-sanitaria-individual",
    "autoritzacio-crema", "devolucio-fiances", "cedula-habitabilitat", "consulta-sancions-transit",
]  # fmt: skip


def _an_appointment_of(backend_server, username):
    with client(backend_server, username) as c:
        return c.get("/appointments").json()[0]


def test_informador_sees_only_their_office(backend_server):
    with client(backend_server, "marta") as c:
        assert [o["code"] for o in c.get("/offices").json()] == ["GIR"]
        assert c.get("/offices/1").status_code == 200
        assert_envelope(c.get("/offices/3"), 404, "not_found")
        assert_envelope(c.get("/appointments", params={"office_id": 3}), 403, "forbidden")
        assert_envelope(c.get("/appointments", params={"office_id": 999}), 403, "forbidden")
        own = c.get("/appointments", params={"office_id": 1, "day": backend_server.day.isoformat()})
        assert own.status_code == 200 and {a["office_id"] for a in own.json()} == {1}


def test_object_of_another_office_is_not_found(backend_server):
    other = _an_appointment_of(backend_server, "jordi")
    assert other["office_id"] == 3
    with client(backend_server, "marta") as c:
        missing = c.get("/appointments/00000000-0000-4000-8000-000000000000")
        hidden = c.get(f"/appointments/{other['id']}")
        assert_envelope(hidden, 404, "not_found")
        assert hidden.json() == missing.json()  # indistinguishable from a missing id
        patched = c.patch(f"/appointments/{other['id']}", json={"version": other["version"], "notes": "x"})
        assert_envelope(patched, 404, "not_found")
    with client(backend_server, "jordi") as c:
        assert c.get(f"/appointments/{other['id']}").json()["notes"] == other["notes"]


def test_supervisor_and_admin_see_all_offices(backend_server):
    for username in ("laia", "admin"):
        with client(backend_server, username) as c:
            assert [o["code"] for o in c.get("/offices").json()] == ["GIR", "EBR", "BCN", "VIT"]
            everything = c.get("/appointments").json()
            assert {a["office_id"] for a in everything} == {1, 2, 3, 4}
            starts = [a["start"] for a in everything]
            assert starts == sorted(starts)
            vit = c.get("/appointments", params={"office_id": 4}).json()
            assert vit and {a["office_id"] for a in vit} == {4}
            assert_envelope(c.get("/appointments", params={"office_id": 99}), 404, "not_found")


def test_filters(backend_server):
    day = backend_server.day.isoformat()
    with client(backend_server, "laia") as c:
        pool = c.get("/appointments", params={"day": day, "pool": "true"}).json()
        assert pool and all(a["pool"] and a["staff_id"] is None for a in pool)
        mine = c.get("/appointments", params={"day": day, "staff_id": 3}).json()
        assert mine and all(a["staff_id"] == 3 for a in mine)
        done = c.get("/appointments", params={"day": day, "status": "completed"}).json()
        assert done and all(a["status"] == "completed" and a["outcome"] for a in done)
        level = c.get("/appointments", params={"day": day, "level": "atesa"}).json()
        assert level and all(a["level"] == "atesa" for a in level)
        code = level[0]["tramit_code"]
        by_code = c.get("/appointments", params={"day": day, "tramit_code": code}).json()
        assert by_code and all(a["tramit_code"] == code for a in by_code)
        assert c.get("/appointments", params={"day": "2001-01-01"}).json() == []


def test_catalogue_is_visible_to_every_role(backend_server):
    for username in ("pau", "laia", "admin"):
        with client(backend_server, username) as c:
            tramits = c.get("/tramits").json()
            # The full catalogue, never the demo's 8-tràmit fallback, pilot tràmits included.
            assert sorted(t["code"] for t in tramits) == sorted(ALL_TRAMIT_CODES)
            one = c.get(f"/tramits/{tramits[0]['code']}").json()
            # The detail is the list entry plus the tràmit wizard's data (form schema, assisted steps).
            assert {k: v for k, v in one.items() if k not in ("form", "assisted_steps")} == tramits[0]
            assert one["form"]["fields"] and isinstance(one["assisted_steps"], list)
            assert set(one["names"]) == {"ca", "es", "eu", "en"}
            assert_envelope(c.get("/tramits/no-such-tramit"), 404, "not_found")
    with client(backend_server) as c:
        assert_envelope(c.get("/tramits"), 401, "not_authenticated")
