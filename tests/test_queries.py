import json
from django.test import Client
from conftest import file_proposal, assign, act


def test_probe(world):
    c = Client(raise_request_exception=False)
    r = c.get("/api/v1/openapi.json")
    doc = json.loads(r.content)
    print(doc["openapi"])
    for p, ops in doc["paths"].items():
        print(p, list(ops))
    r = c.get("/api/v1/docs")
    print(r.status_code, r.content.decode()[:3000])
    api = world.api(world.admin)
    h = api.headers
    for path in ["/api/v1/proposals/abc", "/api/v1/proposals/99999999999999999999999", "/api/v1/proposals/-1",
                 "/api/v1/assignments?due_before=2026-02-30", "/api/v1/proposals?page_size=-1", "/api/v1/stats?include_children=maybe",
                 "/api/v1/calendar/99999999999999", "/api/v1/calendar/0", "/api/v1/departments?jurisdiction=99999999999999999999",
                 "/api/v1/proposals?session=99999999999999999999999"]:
        r = c.get(path, headers=h)
        print(path, r.status_code, r.content[:200].decode(errors="replace"))
    big = b'{"title": "' + b"x" * (6 * 1024 * 1024) + b'"}'
    r = c.post("/api/v1/proposals", big, content_type="application/json", headers=h)
    print("big", r.status_code, r.content[:300])
    c2 = Client(enforce_csrf_checks=True, raise_request_exception=False)
    c2.force_login(world.cppcc)
    r = c2.get("/api/v1/me"); print("me", r.status_code, r.content)
    r = c2.post("/api/v1/sessions", json.dumps({"jurisdiction_id": world.city.pk, "name": "x", "year": 2026}), content_type="application/json")
    print("nocsrf", r.status_code, r.content)
    tok = "abcdefghijklmnopqrstuvwxyzABCDEF"
    c2.cookies["csrftoken"] = tok
    r = c2.post("/api/v1/sessions", json.dumps({"jurisdiction_id": world.city.pk, "name": "x", "year": 2026}), content_type="application/json", headers={"X-CSRFToken": tok})
    print("csrf", r.status_code, r.content)
    r = c.get("/api/v1/me", headers={"Authorization": "Bearer nope"}); print("bad", r.status_code, r.content)
    r = c.get("/api/v1/me"); print("anon", r.status_code, r.content)
    r = c.get("/api/v1/calendar/2027", headers=h); print(r.status_code, r.content.decode())
