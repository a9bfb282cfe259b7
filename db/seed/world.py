"""The movement's shape: chapters growing from a few local ones to regional,
national and an international chapter, members joining and leaving, the
programs they run and the partners those programs work with."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import numpy.typing as npt
import polars as pl

from db.seed import names
from db.seed._util import (
    DAY,
    BoolArray,
    FloatArray,
    IntArray,
    date_series,
    day_number,
    instant_series,
    optional_ids,
    stream,
)
from db.seed.accounts import DEMO_ACCOUNTS, DemoAccount
from db.seed.scale import Scale

LEVELS = ("local", "regional", "national", "international")
YEAR = 365.25


@dataclass
class Context:
    scale: Scale
    seed: int
    end_date: date
    with_accounts: bool
    start: int = 0  # first day of the history
    end: int = 0  # the end date: activity happens on days before it

    def __post_init__(self) -> None:
        self.end = day_number(self.end_date)
        self.start = day_number(date(self.end_date.year - self.scale.years, 1, 1))

    def rng(self, key: str) -> np.random.Generator:
        return stream(self.seed, key)


@dataclass
class Chapters:
    """Chapters in depth-first order, so that a chapter and everything below
    it is one contiguous run of indices [i, subtree_end[i]); id = index + 1."""

    name: list[str]
    level: IntArray  # 1 local … 4 international
    parent: IntArray  # index, -1 for none
    place: list[str]
    time_zone: list[str]
    currency: list[str]
    country: IntArray  # index into COUNTRIES, -1 for the international chapter
    founded: IntArray
    dormant_since: IntArray  # -1 when active
    subtree_end: IntArray
    placements: dict[str, int]  # demo placement -> chapter index

    @property
    def n(self) -> int:
        return len(self.name)

    def frame(self, ctx: Context) -> pl.DataFrame:
        ids = np.arange(1, self.n + 1)
        dormant = self.dormant_since >= 0
        return pl.DataFrame(
            [
                pl.Series("id", ids, dtype=pl.Int64),
                pl.Series("name", self.name, dtype=pl.String),
                pl.Series("level", [LEVELS[lv - 1] for lv in self.level], dtype=pl.String),
                optional_ids("parent_id", self.parent + 1),
                pl.Series("place", self.place, dtype=pl.String),
                date_series("founded_on", self.founded),
                pl.Series("status", np.where(dormant, "dormant", "active"), dtype=pl.String),
                date_series("dormant_since", self.dormant_since, dormant),
                pl.Series("time_zone", self.time_zone, dtype=pl.String),
                instant_series("created_at", self.founded * DAY + 9 * 3600),
            ]
        )


def _local_name(towns: tuple[str, ...], k: int) -> str:
    if k < len(towns):
        return towns[k]
    district = names.DISTRICTS[(k // len(towns) - 1) % len(names.DISTRICTS)]
    return f"{towns[k % len(towns)]} {district}"


def build_chapters(ctx: Context) -> Chapters:  # noqa: C901 - one pass over the four levels, kept whole
    sc = ctx.scale
    rng = ctx.rng("chapters")
    start, end = ctx.start, ctx.end
    countries = names.COUNTRIES[: sc.nationals]
    regions = [(ci, r) for ci, c in enumerate(countries) for r in c.regions[: sc.regions_per_national]]
    # The first country carries the most chapters, as the movement started there.
    weight = np.array([3.0 if ci == 0 else (2.0 if ci == 1 else 1.0) for ci, _ in regions])
    capacity = np.array([len(r.towns) * (1 + len(names.DISTRICTS)) for _, r in regions])
    share = weight / weight.sum() * sc.locals
    per_region = np.floor(share).astype(np.int64)
    for i in np.argsort(-(share - per_region), kind="stable")[: sc.locals - int(per_region.sum())]:
        per_region[i] += 1
    per_region = np.maximum(np.minimum(per_region, capacity), 1)

    # Local founding days: the first local of the first few regions opens in
    # the first months; the rest follow, more of them in later years.
    local_founded: list[IntArray] = []
    span = end - 240 - (start + 120)
    for ri, count in enumerate(per_region):
        days = start + 120 + (span * rng.random(count) ** 0.8).astype(np.int64)
        if ri < 3:
            days[0] = start + int(rng.integers(0, 150))
        local_founded.append(np.sort(days))

    def founded_after(children: list[int], lag_lo: int, lag_hi: int, limit: int) -> int:
        ordered = sorted(children)
        anchor = ordered[1] if len(ordered) > 1 else ordered[0] + 300
        return min(int(anchor) + int(rng.integers(lag_lo, lag_hi)), limit)

    name: list[str] = []
    level: list[int] = []
    parent: list[int] = []
    place: list[str] = []
    tz: list[str] = []
    currency: list[str] = []
    country_of: list[int] = []
    founded: list[int] = []
    placements: dict[str, int] = {}

    def add(n: str, lv: int, par: int, pl_: str, zone: str, cur: str, ci: int, day: int) -> int:
        name.append(n)
        level.append(lv)
        parent.append(par)
        place.append(pl_)
        tz.append(zone)
        currency.append(cur)
        country_of.append(ci)
        founded.append(day)
        return len(name) - 1

    intl = add(
        names.INTERNATIONAL_NAME,
        4,
        -1,
        names.INTERNATIONAL_PLACE,
        names.INTERNATIONAL_TIME_ZONE,
        names.INTERNATIONAL_CURRENCY,
        -1,
        0,
    )
    region_no = 0
    national_days: list[int] = []
    for ci, country in enumerate(countries):
        nat = add(
            country.name, 3, intl, country.capital, country.regions[0].time_zone, country.currency, ci, 0
        )
        if ci == 0:
            placements["national"] = nat
        region_days: list[int] = []
        for region in country.regions[: sc.regions_per_national]:
            days = local_founded[region_no]
            reg_day = founded_after(list(days), 90, 360, end - 60)
            reg = add(
                region.name,
                2,
                nat,
                f"{region.towns[0]}, {country.name}",
                region.time_zone,
                country.currency,
                ci,
                reg_day,
            )
            region_days.append(reg_day)
            for k, day in enumerate(days):
                town = _local_name(region.towns, k)
                loc = add(
                    town,
                    1,
                    reg,
                    f"{town}, {country.name}",
                    region.time_zone,
                    country.currency,
                    ci,
                    int(day),
                )
                if k == 0 and region_no == 0:
                    placements["local_a"] = loc
                if k == 0 and region_no == 1:
                    placements["local_b"] = loc
            if region_no == 0:
                placements["region_a"] = reg
            if region_no == 1:
                placements["region_b"] = reg
            region_no += 1
        founded[nat] = founded_after(region_days, 60, 200, end - 45)
        national_days.append(founded[nat])
    intl_day = max(sorted(national_days)[1] + 120 if len(national_days) > 1 else end - 400, end - 600)
    founded[intl] = int(min(intl_day, end - 30))

    lv = np.array(level, dtype=np.int64)
    par = np.array(parent, dtype=np.int64)
    fd = np.array(founded, dtype=np.int64)
    n = len(name)
    # Depth-first order makes a subtree the run up to the next chapter at the
    # same or a higher level.
    subtree_end = np.full(n, n, dtype=np.int64)
    for i in range(n):
        for j in range(i + 1, n):
            if lv[j] >= lv[i]:
                subtree_end[i] = j
                break

    dormant = np.full(n, -1, dtype=np.int64)
    protected = {placements.get("local_a", -1), placements.get("local_b", -1)}
    eligible = np.flatnonzero((lv == 1) & (fd <= end - int(2.5 * YEAR)))
    eligible = np.array([i for i in eligible if i not in protected], dtype=np.int64)
    if len(eligible) >= 4:
        pick = eligible[rng.random(len(eligible)) < 0.07]
        if len(pick) == 0:
            pick = eligible[[int(rng.integers(len(eligible)))]]
        lo = fd[pick] + int(1.2 * YEAR)
        dormant[pick] = lo + (rng.random(len(pick)) * np.maximum(end - 120 - lo, 1)).astype(np.int64)

    return Chapters(
        name=name,
        level=lv,
        parent=par,
        place=place,
        time_zone=tz,
        currency=currency,
        country=np.array(country_of, dtype=np.int64),
        founded=fd,
        dormant_since=dormant,
        subtree_end=subtree_end,
        placements=placements,
    )


@dataclass
class Members:
    """Members sorted by chapter (depth-first) then joining day; id = index + 1.

    Besides the table's columns it keeps what the activity generators need:
    the last day a member did anything, how likely they are to turn up, and
    their volunteering profile."""

    chapter: IntArray
    joined: IntArray
    left: IntArray  # -1 when still a member
    last_active: IntArray  # last day with any activity
    status: npt.NDArray[np.str_]
    trained: IntArray  # -1 when not trained
    leader: IntArray  # -1 when not a leader
    propensity: FloatArray  # relative chance of turning up to an event
    volunteer: BoolArray
    v_start: IntArray
    v_end: IntArray  # last day with volunteer hours
    v_rate: FloatArray  # entries per week while volunteering
    burnout: BoolArray
    first: IntArray  # index into FIRST_NAMES
    last: IntArray  # index into LAST_NAMES
    demo: dict[str, int] = field(default_factory=dict)  # email -> member index
    chapter_first: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    names_frame: pl.DataFrame | None = None  # member_names, made once

    @property
    def n(self) -> int:
        return len(self.chapter)

    def subtree_range(self, chapters: Chapters, c: IntArray) -> tuple[IntArray, IntArray]:
        """Member index range [lo, hi) of each chapter's subtree."""
        c = np.asarray(c, dtype=np.int64)
        return self.chapter_first[c], self.chapter_first[chapters.subtree_end[c]]


def _override_demo(
    ctx: Context, chapters: Chapters, account: DemoAccount, m: dict[str, np.ndarray], idx: int
) -> None:
    end = ctx.end
    target = chapters.placements[account.placement]
    m["chapter"][idx] = target
    m["joined"][idx] = max(int(chapters.founded[target]) + 20, end - int(2.6 * YEAR))
    m["left"][idx] = -1
    m["last_active"][idx] = end - 1
    m["propensity"][idx] = 4.0
    volunteers = "volunteer" in account.roles
    m["volunteer"][idx] = volunteers
    m["v_start"][idx] = m["joined"][idx] + 30
    m["v_end"][idx] = end - 1 if volunteers else m["v_start"][idx]
    m["v_rate"][idx] = 1.6 if volunteers else 0.0
    m["burnout"][idx] = False
    m["trained"][idx] = m["joined"][idx] + 120 if account.is_coordinator or "board" in account.roles else -1
    m["leader"][idx] = m["joined"][idx] + 400 if account.is_coordinator or "board" in account.roles else -1


def build_members(ctx: Context, chapters: Chapters) -> Members:
    sc = ctx.scale
    rng = ctx.rng("members")
    start, end = ctx.start, ctx.end
    n = sc.members
    g = 0.35  # yearly growth of joining

    limit = np.where(chapters.dormant_since >= 0, chapters.dormant_since, end - 1)
    a = (chapters.founded - start) / YEAR
    b = np.maximum((limit - start) / YEAR, a + 1 / YEAR)
    mass = (np.exp(g * b) - np.exp(g * a)) / g
    size = rng.lognormal(0.0, 0.5, chapters.n)
    level_share = np.array([0.0, 1.0, 0.25, 0.4, 0.15])[chapters.level]
    weight = size * mass * level_share
    chapter = rng.choice(chapters.n, size=n, p=weight / weight.sum()).astype(np.int64)

    u = rng.random(n)
    ea, eb = np.exp(g * a[chapter]), np.exp(g * b[chapter])
    t = np.log(ea + u * (eb - ea)) / g
    joined = np.clip(start + (t * YEAR).astype(np.int64), chapters.founded[chapter], limit[chapter])

    tenure = (rng.exponential(3.2 * YEAR, n)).astype(np.int64)
    left = joined + tenure
    dormant_ch = chapters.dormant_since[chapter]
    in_dormant = dormant_ch >= 0
    left = np.where(in_dormant, np.minimum(left, dormant_ch + rng.integers(0, 60, n)), left)
    left = np.where(left >= end, -1, np.maximum(left, joined))

    drift = joined + rng.exponential(1.3 * YEAR, n).astype(np.int64)
    drifts = rng.random(n) < 0.3
    last_active = np.where(left >= 0, left, np.where(drifts & (drift < end - 1), drift, end - 1))
    propensity = rng.lognormal(0.0, 1.0, n)

    w = propensity**0.6
    volunteer = rng.random(n) < np.clip(sc.volunteer_share * w / w.mean(), 0, 0.95)
    v_start = joined + rng.exponential(45, n).astype(np.int64)
    late = v_start > last_active
    v_start = np.where(late, joined + (rng.random(n) * (last_active - joined)).astype(np.int64), v_start)
    kind = rng.random(n)
    core, regular = kind < 0.12, (kind >= 0.12) & (kind < 0.45)
    v_rate = np.where(
        core,
        rng.lognormal(np.log(2.2), 0.35, n),
        np.where(regular, rng.lognormal(np.log(0.7), 0.4, n), rng.lognormal(np.log(0.12), 0.5, n)),
    )
    # Burnout: a sustained volunteer whose hours climb, then stop; they stay
    # on the books (not "left"), which is what makes it a warning sign.
    sustained = volunteer & (core | regular) & (left < 0) & (last_active - v_start > 420)
    burnout = sustained & (rng.random(n) < 0.15)
    burn_day = v_start + 300 + (rng.random(n) * np.maximum(end - 40 - v_start - 300, 1)).astype(np.int64)
    last_active = np.where(burnout, np.minimum(burn_day + rng.integers(0, 30, n), end - 1), last_active)
    v_end = np.where(burnout, burn_day, last_active)

    p_trained = np.where(volunteer & (core | regular), 0.35, np.where(volunteer, 0.12, 0.04))
    trained = joined + rng.integers(60, 540, n)
    trained = np.where((rng.random(n) < p_trained) & (trained <= last_active) & (trained < end), trained, -1)
    leader = trained + rng.integers(90, 720, n)
    leader = np.where(
        (trained >= 0) & (rng.random(n) < 0.3) & (leader <= last_active) & (leader < end), leader, -1
    )

    arrays: dict[str, np.ndarray] = {
        "chapter": chapter,
        "joined": joined,
        "left": left,
        "last_active": last_active,
        "trained": trained,
        "leader": leader,
        "propensity": propensity,
        "volunteer": volunteer,
        "v_start": v_start,
        "v_end": v_end,
        "v_rate": v_rate,
        "burnout": burnout,
        "first": rng.integers(0, len(names.FIRST_NAMES), n),
        "last": rng.integers(0, len(names.LAST_NAMES), n),
    }

    # The demo people are members whether or not their sign-in accounts are
    # made, so a movement loaded with or without accounts differs only in
    # members.user_id.
    demo_index: dict[str, int] = {}
    taken = rng.choice(n, size=len(DEMO_ACCOUNTS), replace=False)
    for account, idx in zip(DEMO_ACCOUNTS, taken, strict=True):
        if account.placement == "none":
            continue
        _override_demo(ctx, chapters, account, arrays, int(idx))
        demo_index[account.email] = int(idx)

    order = np.lexsort((np.arange(n), arrays["joined"], arrays["chapter"]))
    for key in arrays:
        arrays[key] = arrays[key][order]
    position = np.empty(n, dtype=np.int64)
    position[order] = np.arange(n)
    demo = {email: int(position[i]) for email, i in demo_index.items()}

    left = arrays["left"]
    last_active = arrays["last_active"]
    status = np.where(left >= 0, "left", np.where(last_active < end - 180, "inactive", "active"))
    chapter_first = np.searchsorted(arrays["chapter"], np.arange(chapters.n + 1), side="left").astype(
        np.int64
    )
    # The arrays are the members' columns, by name; the names frame is made
    # when first asked for (member_names).
    return Members(**arrays, status=status, demo=demo, chapter_first=chapter_first, names_frame=None)


def member_names(members: Members) -> pl.DataFrame:
    """full_name and email of every member (demo accounts get theirs)."""
    if members.names_frame is not None:
        return members.names_frame
    first = pl.Series(names.FIRST_NAMES)[members.first]
    last = pl.Series(names.LAST_NAMES)[members.last]
    ids = pl.Series("id", np.arange(1, members.n + 1), dtype=pl.Int64)
    frame = pl.DataFrame({"id": ids, "first": first, "last": last})
    frame = frame.with_columns(
        full_name=pl.concat_str("first", pl.lit(" "), "last"),
        email=pl.concat_str(
            pl.concat_str("first", pl.lit("."), "last", pl.lit("."), pl.col("id").cast(pl.String))
            .str.normalize("NFKD")
            .str.to_lowercase()
            .str.replace_all(r"[^a-z0-9.]", ""),
            pl.lit("@example.org"),
        ),
    )
    # About one in seven never gave an email address.
    no_email = (np.arange(members.n) * 2654435761 % 7) == 3
    frame = frame.with_columns(
        email=pl.when(pl.Series(no_email)).then(None).otherwise(pl.col("email")),
    )
    if members.demo:
        accounts = {a.email: a for a in DEMO_ACCOUNTS}
        full = frame["full_name"].to_list()
        mail = frame["email"].to_list()
        for email, i in members.demo.items():
            full[i] = accounts[email].display_name
            mail[i] = email
        frame = frame.with_columns(full_name=pl.Series(full), email=pl.Series(mail))
    members.names_frame = frame.select("full_name", "email")
    return members.names_frame


def members_frame(ctx: Context, members: Members) -> pl.DataFrame:
    rng = ctx.rng("members.consent")
    n = members.n
    user_ids: list[str | None] = [None] * n
    accounts = {a.email: a for a in DEMO_ACCOUNTS}
    if ctx.with_accounts:
        for email, i in members.demo.items():
            user_ids[i] = str(accounts[email].user_id)
    who = member_names(members)
    joined_at = members.joined * DAY + rng.integers(8 * 3600, 21 * 3600, n)
    return pl.DataFrame(
        [
            pl.Series("id", np.arange(1, n + 1), dtype=pl.Int64),
            pl.Series("user_id", user_ids, dtype=pl.String),
            who["full_name"],
            who["email"],
            pl.Series("chapter_id", members.chapter + 1, dtype=pl.Int64),
            date_series("joined_on", members.joined),
            date_series("left_on", members.left, members.left >= 0),
            pl.Series("status", members.status, dtype=pl.String),
            date_series("trained_on", members.trained, members.trained >= 0),
            date_series("leader_since", members.leader, members.leader >= 0),
            pl.Series("consent_contact", rng.random(n) < 0.65),
            pl.Series("consent_data_use", rng.random(n) < 0.94),
            instant_series("consent_updated_at", joined_at),
            instant_series("created_at", joined_at),
        ]
    )


@dataclass
class Programs:
    chapter: IntArray  # -1: movement-wide
    kind: IntArray  # index into PROGRAM_KINDS
    audience: IntArray  # index into AUDIENCES
    started: IntArray
    ended: IntArray  # -1 when running
    frame: pl.DataFrame

    @property
    def n(self) -> int:
        return len(self.chapter)


_AUDIENCE_FOR_KIND = {
    # school, university, workplace, healthcare, community, government
    "education": (0.6, 0.3, 0.0, 0.0, 0.1, 0.0),
    "training": (0.25, 0.05, 0.35, 0.25, 0.0, 0.1),
    "empathy_circles": (0.05, 0.1, 0.1, 0.05, 0.7, 0.0),
    "research": (0.2, 0.5, 0.1, 0.1, 0.1, 0.0),
    "arts_culture": (0.15, 0.05, 0.0, 0.0, 0.8, 0.0),
    "advocacy": (0.1, 0.0, 0.1, 0.0, 0.2, 0.6),
}
_COVERAGE = (
    ("education", "school"),
    ("training", "workplace"),
    ("empathy_circles", "community"),
    ("research", "university"),
    ("arts_culture", "community"),
    ("advocacy", "government"),
    ("training", "healthcare"),
)
_KIND_WEIGHT = np.array([0.2, 0.2, 0.25, 0.13, 0.12, 0.1])

_DESCRIPTIONS = {
    "education": "Lessons and classroom practice that build empathy skills in young people.",
    "training": "Practical empathy training for professionals, with follow-up practice sessions.",
    "empathy_circles": "Regular structured listening circles open to anyone in the community.",
    "research": "Measuring what our programs change, with the Toronto Empathy Questionnaire.",
    "arts_culture": "Film, theatre and storytelling that let people walk in someone else's shoes.",
    "advocacy": "Bringing empathy into public decisions, with councils and public bodies.",
}


def build_programs(ctx: Context, chapters: Chapters, members: Members) -> Programs:
    rng = ctx.rng("programs")
    end = ctx.end
    p = ctx.scale.programs
    counts = np.bincount(members.chapter, minlength=chapters.n).astype(np.float64)
    level_pull = np.array([0.0, 1.0, 3.0, 4.0, 6.0])[chapters.level]
    weight = (counts + 5) * level_pull
    chapter = rng.choice(chapters.n, size=p, p=weight / weight.sum()).astype(np.int64)
    movement_wide = rng.random(p) < 0.05
    chapter = np.where(movement_wide, -1, chapter)

    kind = rng.choice(len(names.PROGRAM_KINDS), size=p, p=_KIND_WEIGHT / _KIND_WEIGHT.sum())
    audience = np.array(
        [rng.choice(6, p=np.array(_AUDIENCE_FOR_KIND[names.PROGRAM_KINDS[k]])) for k in kind], dtype=np.int64
    )
    # Every kind and every audience appears, even in the smallest movement.
    for i, (k, a) in enumerate(_COVERAGE[:p]):
        kind[i] = names.PROGRAM_KINDS.index(k)
        audience[i] = names.AUDIENCES.index(a)
    kind = kind.astype(np.int64)

    opened = np.where(chapter >= 0, chapters.founded[np.maximum(chapter, 0)], ctx.start)
    started = opened + 30 + (rng.random(p) * np.maximum(end - 90 - opened - 30, 1)).astype(np.int64)
    ended = started + rng.integers(180, 900, p)
    ended = np.where((rng.random(p) < 0.25) & (ended < end - 30), ended, -1)

    kinds = [names.PROGRAM_KINDS[k] for k in kind]
    base = [names.PROGRAM_NAMES[k][int(j)] for k, j in zip(kinds, rng.integers(0, 4, p), strict=True)]
    prog_names = [
        f"{b} — {chapters.name[c]}" if c >= 0 and chapters.level[c] < 4 else b
        for b, c in zip(base, chapter, strict=True)
    ]
    frame = pl.DataFrame(
        [
            pl.Series("id", np.arange(1, p + 1), dtype=pl.Int64),
            pl.Series("name", prog_names, dtype=pl.String),
            pl.Series("kind", kinds, dtype=pl.String),
            pl.Series("audience", [names.AUDIENCES[a] for a in audience], dtype=pl.String),
            optional_ids("chapter_id", chapter + 1),
            pl.Series("description", [_DESCRIPTIONS[k] for k in kinds], dtype=pl.String),
            date_series("started_on", started),
            date_series("ended_on", ended, ended >= 0),
            instant_series("created_at", started * DAY - 14 * DAY + 10 * 3600),
        ]
    )
    return Programs(chapter=chapter, kind=kind, audience=audience, started=started, ended=ended, frame=frame)


def build_partners(ctx: Context, chapters: Chapters, programs: Programs) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Partners (schools, businesses, public bodies …) and which programs
    work with them."""
    rng = ctx.rng("partners")
    end = ctx.end
    kinds_needed = [names.PARTNER_KIND_FOR_AUDIENCE[names.AUDIENCES[a]] for a in programs.audience]
    n_per = rng.integers(1, 3, programs.n)
    n_per = np.where(
        (programs.audience == names.AUDIENCES.index("community")) & (rng.random(programs.n) < 0.5), 0, n_per
    )
    # A research program also works with a research institute.
    owner = np.repeat(np.arange(programs.n), n_per)
    kind = [kinds_needed[i] for i in owner]
    research = np.flatnonzero(programs.kind == names.PROGRAM_KINDS.index("research"))
    owner = np.concatenate([owner, research])
    kind += ["research"] * len(research)
    # A few prospects that no program works with yet.
    prospects = max(1, len(owner) // 7)
    prospect_owner = rng.integers(0, programs.n, prospects)
    prospect_kinds = rng.choice(list(names.PARTNER_NAME_PATTERNS), prospects).tolist()

    all_owner = np.concatenate([owner, prospect_owner])
    all_kind = kind + prospect_kinds
    n = len(all_owner)
    chapter = programs.chapter[all_owner]
    town = [
        chapters.name[c].split(" ")[0]
        if c >= 0 and chapters.level[c] == 1
        else (chapters.place[c].split(",")[0] if c >= 0 else "Geneva")
        for c in chapter
    ]
    word = rng.choice(names.ORGANISATION_WORDS, n)
    partner_names = []
    for k, t, w, j in zip(all_kind, town, word, rng.integers(0, 10, n), strict=True):
        patterns = names.PARTNER_NAME_PATTERNS[k]
        partner_names.append(patterns[int(j) % len(patterns)].format(town=t, word=w))
    since = programs.started[all_owner] - rng.integers(0, 200, n)
    is_prospect = np.arange(n) >= len(owner)
    since = np.where(is_prospect, end - rng.integers(10, 200, n), since)
    prog_ended = programs.ended[all_owner] >= 0
    r = rng.random(n)
    status = np.where(
        is_prospect,
        "prospect",
        np.where(prog_ended, np.where(r < 0.6, "ended", "paused"), np.where(r < 0.9, "active", "paused")),
    )
    slug = (
        pl.Series(partner_names)
        .str.normalize("NFKD")
        .str.to_lowercase()
        .str.replace_all(r"[^a-z0-9]+", "-")
        .str.strip_chars("-")
    )
    partners = pl.DataFrame(
        [
            pl.Series("id", np.arange(1, n + 1), dtype=pl.Int64),
            pl.Series("name", partner_names, dtype=pl.String),
            pl.Series("kind", all_kind, dtype=pl.String),
            pl.Series("status", status, dtype=pl.String),
            date_series("since", since),
            optional_ids("chapter_id", chapter + 1),
            ("partnerships@" + slug + ".example.org").alias("contact_email"),
            instant_series("created_at", since * DAY + 11 * 3600),
        ]
    )
    links = pl.DataFrame(
        {
            "program_id": (owner + 1).astype(np.int64),
            "partner_id": np.arange(1, len(owner) + 1, dtype=np.int64),
        }
    )
    # Two programs of a chapter that drew the same school share that school.
    first = partners.group_by("chapter_id", "name", maintain_order=True).agg(
        pl.col("id").first().alias("keep")
    )
    remap = partners.join(first, on=["chapter_id", "name"], nulls_equal=True, maintain_order="left").select(
        "id", "keep"
    )
    kept = remap.filter(pl.col("id") == pl.col("keep"))["id"]
    renumber = dict(zip(kept.to_list(), range(1, len(kept) + 1), strict=True))
    new_id = pl.Series([renumber[k] for k in remap["keep"].to_list()], dtype=pl.Int64)
    links = links.with_columns(partner_id=new_id.gather(links["partner_id"] - 1))
    partners = partners.filter(pl.col("id").is_in(kept.implode())).with_columns(
        id=pl.int_range(1, pl.len() + 1, dtype=pl.Int64)
    )
    # Some partners also join another program of their chapter.
    extra = (
        partners.filter(pl.col("status") != "prospect")
        .select(pl.col("id").alias("partner_id"), "chapter_id")
        .join(
            programs.frame.select(pl.col("id").alias("program_id"), "chapter_id"),
            on="chapter_id",
            maintain_order="left_right",
        )
        .select("program_id", "partner_id")
    )
    if extra.height:
        keep = rng.random(extra.height) < min(1.0, 0.4 * len(owner) / max(extra.height, 1))
        extra = extra.filter(pl.Series(keep))
    links = pl.concat([links, extra]).unique(maintain_order=True).sort("program_id", "partner_id")
    return partners, links
