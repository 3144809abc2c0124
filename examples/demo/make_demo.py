"""Generate the dataraum-context demo dataset (small retail shop, five tables).

Deterministic: a fixed seed and no wall-clock input, so every run writes
byte-identical files. Standard library only.

    python examples/demo/make_demo.py

Writes (into examples/demo/data/):
    customers.csv        comma-delimited, UTF-8
    products.csv         comma-delimited, UTF-8
    orders.csv           semicolon-delimited, UTF-8 with BOM, quoted multi-line notes
    order_items.ndjson   newline-delimited JSON
    shipments.tsv        tab-delimited, UTF-8
and examples/demo/defects.json (machine-readable list of the injected defects,
kept outside data/ so it is not picked up as a source table). Prints the same
summary on stdout.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import uuid
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

SEED = 20240917
HERE = Path(__file__).resolve().parent
DATA = HERE / "data"

N_CUSTOMERS = 200
N_PRODUCTS = 50
N_ORDERS = 1000  # distinct, well-formed order ids 10001..11000
FIRST_ORDER_ID = 10001

# --- defect plan (all exact) -------------------------------------------------
ORPHAN_CUSTOMER_IDS = ["C0207", "C0318", "C0999"]  # not in customers (C0001..C0200)
N_TOTAL_AMOUNT_GARBAGE = 20  # 2% of 1000 orders
GARBAGE_TOKENS = ["n/a", "??", "12..5", "#VALUE!", "TBD", "unknown"]
N_SHIP_BEFORE_ORDER = 7
N_FUTURE_ORDERS = 2  # order_date in 2031
N_EMAIL_EMPTY = 6  # customers.email == ''
N_POSTAL_NA = 4  # customers.postal_code == 'NA'
N_CARRIER_DASH = 3  # shipments.carrier == '-'
N_DISCOUNT_NULL = 5  # order_items.discount is JSON null
N_MULTILINE_NOTES = 5  # orders.note with a quoted newline and a ';'
N_SEMICOLON_NOTES = 10  # orders.note with a ';' but no newline
RAGGED_AFTER_RECORD = 600  # ragged line is written after this many records
RAGGED_ORDER_ID = 11001

FIRST_NAMES = [
    "Anna", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hannah", "Ivan",
    "Jonas", "Katarzyna", "Lukas", "Marie", "Noah", "Olga", "Paul", "Renée",
    "Sofia", "Tomás", "Ursula", "Viktor", "Wen", "Yusuf", "Zoë", "José", "Chloé",
]
LAST_NAMES = [
    "Müller", "Schmidt", "Dubois", "Rossi", "García", "Smith", "Johnson", "Novak",
    "Kowalski", "Jansen", "Bianchi", "Martin", "Weber", "Fischer", "Moreau",
    "López", "Brown", "Øster", "Nguyen", "Yilmaz", "O'Brien", "Becker",
]
COUNTRIES = ["DE", "FR", "US", "IT", "ES"]  # all use 5-digit postal codes
COUNTRY_WEIGHTS = [40, 20, 20, 10, 10]
EMAIL_DOMAINS = ["example.com", "example.org", "mail.example.net"]

CATEGORIES = {
    "Kitchen": ["Chef Knife", "Cutting Board", "Saucepan", "Kettle", "Spice Rack", "Mixing Bowl"],
    "Garden": ["Hose", "Pruning Shears", "Planter", "Watering Can", "Rake", "Seed Tray"],
    "Office": ["Desk Lamp", "Stapler", "Notebook", "Monitor Stand", "Paper Tray", "Pen Set"],
    "Outdoor": ["Tent", "Sleeping Bag", "Camping Stove", "Backpack", "Lantern", "Cooler"],
    "Home": ["Throw Pillow", "Picture Frame", "Candle", "Vase", "Door Mat", "Clock"],
}
ADJECTIVES = ["Classic", "Compact", "Deluxe", "Eco", "Pro", "Mini", "Heavy-Duty", "Basic"]

CARRIERS = ["DHL", "UPS", "DPD", "GLS", "FedEx"]
CARRIER_WEIGHTS = [35, 25, 20, 12, 8]

STATUSES = ["shipped", "pending", "cancelled", "returned"]
STATUS_WEIGHTS = [76, 8, 8, 8]
SHIPPED_STATUSES = {"shipped", "returned"}

DISCOUNTS = ["0%", "5%", "10%", "15%", "20%"]
DISCOUNT_WEIGHTS = [50, 15, 15, 12, 8]

PLAIN_NOTES = [
    "Leave at reception", "Gift wrap please", "Call before delivery", "Fragile",
    "Deliver after 5pm", "Customer prefers email contact", "Repeat order",
    "Back door entrance", "Invoice to company address",
]
SEMICOLON_NOTES = [
    "Gift wrap; no invoice in box", "Fragile; handle with care", "Ring twice; dog in yard",
    "Partial delivery ok; rest later", "Address: Hauptstr. 5; 2nd floor",
]
MULTILINE_NOTES = [
    "Deliver to neighbour;\nflat 3B",
    "Line 1: call first;\nLine 2: leave at door",
    "Customer said \"urgent\";\nship express",
    "Wrong size last time;\ncheck before packing",
    "Back entrance;\ncode 4711",
]

NULL_TOKENS = ["", "NA", "-"]

CENT = Decimal("0.01")


def money(d: Decimal) -> str:
    """Format as US currency text: $1,234.50."""
    return "${:,.2f}".format(d.quantize(CENT, rounding=ROUND_HALF_UP))


def dmy(d: dt.date) -> str:
    return d.strftime("%d/%m/%Y")


def last_sunday(year: int, month: int) -> dt.date:
    d = dt.date(year, month + 1, 1) - dt.timedelta(days=1) if month < 12 else dt.date(year, 12, 31)
    return d - dt.timedelta(days=(d.weekday() + 1) % 7)


def cet_offset(d: dt.date) -> str:
    """Central European (summer) time offset for a local date."""
    summer = last_sunday(d.year, 3) <= d < last_sunday(d.year, 10)
    return "+02:00" if summer else "+01:00"


def make_customers(rng: random.Random) -> list[dict]:
    rows = []
    seen_emails: set[str] = set()
    for i in range(1, N_CUSTOMERS + 1):
        first = rng.choice(FIRST_NAMES)
        last = rng.choice(LAST_NAMES)
        base = f"{first}.{last}".lower().replace("'", "")
        email = f"{base}@{rng.choice(EMAIL_DOMAINS)}"
        n = 2
        while email in seen_emails:
            email = f"{base}{n}@{email.split('@')[1]}"
            n += 1
        seen_emails.add(email)
        country = rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]
        # ~25% of codes start with 0 so a numeric cast would lose digits
        if rng.random() < 0.25:
            postal = f"0{rng.randint(1000, 9999)}"
        else:
            postal = f"{rng.randint(10000, 99999)}"
        signup = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randint(0, 3 * 365 + 300))
        rows.append({
            "customer_id": f"C{i:04d}",
            "name": f"{first} {last}",
            "email": email,
            "country": country,
            "postal_code": postal,
            "signup_date": signup.isoformat(),
            "is_active": "yes" if rng.random() < 0.82 else "no",
        })
    for r in rng.sample(rows, N_EMAIL_EMPTY):
        r["email"] = ""
    for r in rng.sample([r for r in rows if r["email"]], N_POSTAL_NA):
        r["postal_code"] = "NA"
    return rows


def make_products(rng: random.Random) -> list[dict]:
    rows = []
    ids = sorted(rng.sample(range(100, 5000), N_PRODUCTS))
    names_seen: set[str] = set()
    cats = list(CATEGORIES)
    for pid in ids:
        cat = rng.choice(cats)
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(CATEGORIES[cat])}"
        while name in names_seen:
            name = f"{rng.choice(ADJECTIVES)} {rng.choice(CATEGORIES[cat])}"
        names_seen.add(name)
        price = Decimal(rng.randint(150, 25000)) / 100
        price = (price * 2).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) / 2  # x.x0 / x.x5
        if rng.random() < 0.8:
            weight = f"{Decimal(rng.randint(2, 150)) / 10:.1f} kg"
        else:
            weight = f"{rng.randint(5, 95) * 10} g"
        rows.append({
            "product_id": f"{pid:06d}",
            "product_name": name,
            "category": cat,
            "unit_price": f"{price.quantize(CENT)}",
            "weight": weight,
        })
    return rows


def make_orders_and_items(rng, customers, products):
    cust_ids = [c["customer_id"] for c in customers]
    price = {p["product_id"]: Decimal(p["unit_price"]) for p in products}
    prod_ids = [p["product_id"] for p in products]
    start = dt.date(2024, 1, 1)

    orders = []
    items = []
    for k in range(N_ORDERS):
        oid = FIRST_ORDER_ID + k
        odate = start + dt.timedelta(days=rng.randint(0, 365))  # 2024 is a leap year
        status = rng.choices(STATUSES, STATUS_WEIGHTS)[0]
        ship = odate + dt.timedelta(days=rng.randint(1, 6)) if status in SHIPPED_STATUSES else None
        total = Decimal(0)
        for line_no in range(1, rng.choices([1, 2, 3, 4], [20, 30, 30, 20])[0] + 1):
            pid = rng.choice(prod_ids)
            qty = rng.choices([1, 2, 3, 4, 5, 10], [40, 25, 15, 10, 6, 4])[0]
            disc = rng.choices(DISCOUNTS, DISCOUNT_WEIGHTS)[0]
            total += price[pid] * qty * (1 - Decimal(disc[:-1]) / 100)
            items.append({"order_id": oid, "line_no": line_no, "product_id": pid,
                          "quantity": qty, "discount": disc})
        orders.append({
            "order_id": oid,
            "customer_id": rng.choice(cust_ids),
            "order_date": odate,
            "ship_date": ship,
            "status": status,
            "total": total,
            "note": "",
        })

    # notes
    for o in rng.sample(orders, 60):
        o["note"] = rng.choice(PLAIN_NOTES)
    empty_note = [o for o in orders if not o["note"]]
    for o, text in zip(rng.sample(empty_note, N_SEMICOLON_NOTES),
                       [SEMICOLON_NOTES[i % len(SEMICOLON_NOTES)] for i in range(N_SEMICOLON_NOTES)]):
        o["note"] = text
    empty_note = [o for o in orders if not o["note"]]
    # multi-line notes only after the ragged line, so line numbers before it are plain
    late = [o for o in empty_note if o["order_id"] >= FIRST_ORDER_ID + RAGGED_AFTER_RECORD + 20]
    for o, text in zip(rng.sample(late, N_MULTILINE_NOTES), MULTILINE_NOTES):
        o["note"] = text

    # defect: orphan customer ids
    orphan_orders = rng.sample(orders, len(ORPHAN_CUSTOMER_IDS))
    for o, cid in zip(orphan_orders, ORPHAN_CUSTOMER_IDS):
        o["customer_id"] = cid
    taken = {o["order_id"] for o in orphan_orders}

    # defect: future order dates (year 2031), left pending
    future = rng.sample([o for o in orders if o["order_id"] not in taken], N_FUTURE_ORDERS)
    for o in future:
        o["order_date"] = o["order_date"].replace(year=2031)
        o["status"] = "pending"
        o["ship_date"] = None
    taken |= {o["order_id"] for o in future}

    # defect: ship date before order date
    sbo = rng.sample([o for o in orders if o["order_id"] not in taken and o["status"] == "shipped"],
                     N_SHIP_BEFORE_ORDER)
    for o in sbo:
        o["ship_date"] = o["order_date"] - dt.timedelta(days=rng.randint(1, 5))
    taken |= {o["order_id"] for o in sbo}

    # defect: garbage in total_amount
    garbage = rng.sample([o for o in orders if o["order_id"] not in taken], N_TOTAL_AMOUNT_GARBAGE)
    for i, o in enumerate(sorted(garbage, key=lambda o: o["order_id"])):
        o["total_text"] = GARBAGE_TOKENS[i % len(GARBAGE_TOKENS)]
    taken |= {o["order_id"] for o in garbage}
    for o in orders:
        o.setdefault("total_text", money(o["total"]))

    # defect: one duplicated order_id (a re-exported copy with a stale status)
    dup_src = rng.choice([o for o in orders if o["order_id"] not in taken and o["status"] == "shipped"
                          and not o["note"] and o["order_id"] < FIRST_ORDER_ID + RAGGED_AFTER_RECORD])
    dup = dict(dup_src, status="pending", ship_date=None, note="re-exported")
    orders.insert(orders.index(dup_src) + 1, dup)

    # discount nulls in items
    for it in rng.sample(items, N_DISCOUNT_NULL):
        it["discount"] = None

    return orders, items, dup_src


def make_shipments(rng, orders):
    seen = set()
    shippable = []
    for o in orders:
        if o["status"] in SHIPPED_STATUSES and o["order_id"] not in seen:
            shippable.append(o)
            seen.add(o["order_id"])
    # one shipment per shipped/returned order, in shipping order
    shippable.sort(key=lambda o: (o["ship_date"], o["order_id"]))
    rows = []
    for o in shippable:
        d = o["ship_date"]
        t = dt.time(rng.randint(7, 19), rng.choice([0, 7, 15, 22, 30, 41, 45, 58]))
        rows.append({
            "shipment_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "order_id": o["order_id"],
            "shipped_at": f"{d.isoformat()}T{t.strftime('%H:%M:%S')}{cet_offset(d)}",
            "carrier": rng.choices(CARRIERS, CARRIER_WEIGHTS)[0],
            "distance": f"{Decimal(rng.randint(5, 9000)) / 10:.1f} km",
        })
    for r in rng.sample(rows, N_CARRIER_DASH):
        r["carrier"] = "-"
    return rows


def write_csv(path: Path, rows: list[dict], **kw) -> None:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n", **kw)
        w.writeheader()
        w.writerows(rows)


def write_orders(path: Path, orders: list[dict]) -> dict:
    """Semicolon CSV with BOM; one ragged line. Returns ragged-line location."""
    cols = ["order_id", "customer_id", "order_date", "ship_date", "status", "total_amount", "note"]
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        w = csv.writer(f, delimiter=";", lineterminator="\n")
        w.writerow(cols)
        physical_line = 1  # header
        ragged = None
        for i, o in enumerate(orders):
            if i == RAGGED_AFTER_RECORD:
                # truncated export: the note field (and its delimiter) is missing
                line = f"{RAGGED_ORDER_ID};C0042;15/06/2024;18/06/2024;shipped;$84.00\n"
                f.write(line)
                physical_line += 1
                ragged = {"physical_line": physical_line, "record_number": i + 1,
                          "order_id": RAGGED_ORDER_ID, "text": line.rstrip("\n"),
                          "fields": 6, "expected_fields": 7}
            row = [o["order_id"], o["customer_id"], dmy(o["order_date"]),
                   dmy(o["ship_date"]) if o["ship_date"] else "-", o["status"],
                   o["total_text"], o["note"]]
            w.writerow(row)
            physical_line += 1 + o["note"].count("\n")
    return ragged


def main() -> None:
    rng = random.Random(SEED)
    DATA.mkdir(parents=True, exist_ok=True)

    customers = make_customers(rng)
    products = make_products(rng)
    orders, items, dup_src = make_orders_and_items(rng, customers, products)
    shipments = make_shipments(rng, orders)

    write_csv(DATA / "customers.csv", customers)
    write_csv(DATA / "products.csv", products)
    ragged = write_orders(DATA / "orders.csv", orders)
    with (DATA / "order_items.ndjson").open("w", newline="", encoding="utf-8") as f:
        for it in items:
            f.write(json.dumps(it, separators=(",", ":")) + "\n")
    write_csv(DATA / "shipments.tsv", shipments, delimiter="\t")

    cust_ids = {c["customer_id"] for c in customers}
    d_ids = sorted({o["order_id"] for o in orders})
    summary = {
        "seed": SEED,
        "data_records": {  # excluding header; orders.csv counts the ragged line separately
            "customers.csv": len(customers),
            "products.csv": len(products),
            "orders.csv": {"well_formed": len(orders), "ragged": 1,
                           "distinct_order_ids": len(d_ids),
                           "physical_lines_incl_header": 1 + len(orders) + 1
                           + sum(o["note"].count("\n") for o in orders)},
            "order_items.ndjson": len(items),
            "shipments.tsv": len(shipments),
        },
        "defects": {
            "orders.orphan_customer_ids": {
                o["customer_id"]: o["order_id"] for o in orders if o["customer_id"] not in cust_ids},
            "orders.duplicated_order_id": {
                "order_id": dup_src["order_id"], "rows": 2,
                "differs_in": ["ship_date", "status", "note"]},
            "orders.ragged_line": ragged,
            "orders.ship_before_order": sorted(
                o["order_id"] for o in orders if o["ship_date"] and o["ship_date"] < o["order_date"]),
            "orders.future_order_date_2031": sorted(
                o["order_id"] for o in orders if o["order_date"].year == 2031),
            "garbage_per_column": {
                "orders.total_amount": {
                    str(o["order_id"]): o["total_text"] for o in orders
                    if not o["total_text"].startswith("$")},
            },
            "null_tokens_per_column": {
                "customers.email ('')": sum(c["email"] == "" for c in customers),
                "customers.postal_code ('NA')": sum(c["postal_code"] == "NA" for c in customers),
                "orders.ship_date ('-')": sum(o["ship_date"] is None for o in orders),
                "orders.note ('')": sum(o["note"] == "" for o in orders),
                "order_items.discount (JSON null)": sum(it["discount"] is None for it in items),
                "shipments.carrier ('-')": sum(s["carrier"] == "-" for s in shipments),
            },
        },
        "facts": {
            "orders.status": {s: sum(o["status"] == s for o in orders) for s in STATUSES},
            "orders.order_date_day_gt_12": sum(o["order_date"].day > 12 for o in orders),
            "orders.note_with_newline": sum("\n" in o["note"] for o in orders),
            "orders.note_with_semicolon": sum(";" in o["note"] for o in orders),
            "customers.postal_code_leading_zero": sum(c["postal_code"].startswith("0") for c in customers),
            "products.weight_kg": sum(p["weight"].endswith(" kg") for p in products),
            "products.weight_g": sum(p["weight"].endswith(" g") for p in products),
            "shipments.distinct_order_ids": len({s["order_id"] for s in shipments}),
            "customers.with_orders": len({o["customer_id"] for o in orders} & cust_ids),
        },
    }
    text = json.dumps(summary, indent=2, ensure_ascii=False)
    (HERE / "defects.json").write_text(text + "\n", encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
