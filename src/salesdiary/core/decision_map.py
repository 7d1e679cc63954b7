"""An account's decision map (`sd map`, Journal.decision_map): the store's rows (store/reads/report_queries.py
decision_map) made into the map as `--json` prints it — the people as a tree by reports-to, each deal's stage
labelled and the buying roles still unknown in it. render/reports.py map_document draws the very same dict."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from salesdiary.core.playbook import StageLabel


def map_data(raw: dict[str, Any], roles: Sequence[str], stage_label: StageLabel) -> dict[str, Any]:
    """The decision map as `sd map --json` prints it, from the store's rows (store/reads/report_queries.py
    decision_map): the ACCOUNT, its people as a tree by reports-to (a loop leaves people at the top), and each
    deal with its stage labelled and the ROLES (the config's `map.roles`) nobody holds in it yet."""
    contacts = raw["contacts"]
    ids = {int(c["id"]) for c in contacts}
    children: dict[int | None, list[dict[str, Any]]] = {}
    for c in contacts:
        boss = c["reports_to_id"]
        children.setdefault(int(boss) if boss is not None and int(boss) in ids else None, []).append(c)

    def node(c: dict[str, Any], seen: frozenset[int]) -> dict[str, Any]:
        cid = int(c["id"])
        item = {
            "id": cid,
            "name": c["name"],
            "title": c["title"],
            "department": c["department"],
            "level": c["level"],
            "role": c["role"],
            "stance": c["stance"],
            "relationship": c["relationship"],
            "coach": c["coach"],
            "style": c["style"],
            "attitude": c["attitude"],
            "in_deal": c["in_deal"],
            "times_met": int(c["times_met"]),
        }
        item["reports"] = [node(k, seen | {cid}) for k in children.get(cid, []) if int(k["id"]) not in seen]
        return item

    tree = [node(c, frozenset()) for c in children.get(None, [])]
    placed = set()

    def mark(items: list[dict[str, Any]]) -> None:
        for i in items:
            placed.add(i["id"])
            mark(i["reports"])

    mark(tree)
    # a reports-to loop (should not happen) leaves people unplaced: show them at the top
    tree += [node(c, frozenset()) for c in contacts if int(c["id"]) not in placed]
    deals = [
        {
            "id": d["id"],
            "name": d["name"],
            "stage": d["stage"],
            "stage_label": stage_label(d["playbook"], d["stage"]),
            "status": d["status"],
            "known_roles": d["known_roles"],
            "unknown_roles": [r for r in roles if r not in d["known_roles"]],
        }
        for d in raw["deals"]
    ]
    a = raw["account"]
    return {
        "account": {"id": a["id"], "name": a["name"], "relation": a["relation"], "info_stage": a["info_stage"]},
        "contacts": tree,
        "deals": deals,
    }
