"""A memo entry's JSON read from its node output's dump equals dumping the entry on its own."""

from __future__ import annotations

from pydantic import BaseModel

from dataraum_context.pipeline.serialize import dump_of_part, dump_outputs


class Item(BaseModel):
    table_name: str
    score: float
    tags: list[str] = []


def test_slices_of_a_list_and_a_dict_match_their_own_dump() -> None:
    items = [Item(table_name=t, score=i / 3, tags=[t] * i) for i, t in enumerate(["a", "b", "a", "c"])]
    types = {"items": list[Item], "by_table": dict[str, Item]}
    whole_list = dump_outputs(types, {"items": items})["items"]
    part = [items[3], items[1]]  # out of order on purpose
    assert dump_of_part(part, items, whole_list) == (True, dump_outputs(types, {"items": part})["items"])
    assert dump_of_part(items, items, whole_list) == (True, whole_list)

    by_table = {item.table_name + str(i): item for i, item in enumerate(items)}
    whole_dict = dump_outputs(types, {"by_table": by_table})["by_table"]
    sub = {"c3": by_table["c3"]}
    assert dump_of_part(sub, by_table, whole_dict) == (True, dump_outputs(types, {"by_table": sub})["by_table"])


def test_values_that_are_not_slices_are_not_read_from_the_dump() -> None:
    items = [Item(table_name="a", score=1.0)]
    whole = dump_outputs({"items": list[Item]}, {"items": items})["items"]
    assert dump_of_part([Item(table_name="a", score=1.0)], items, whole) == (False, None)  # equal, not the same
    assert dump_of_part({"a": items[0]}, {"a": Item(table_name="a", score=1.0)}, {"a": whole[0]}) == (False, None)
