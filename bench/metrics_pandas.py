"""The benchmark's report written plainly in pandas: the same definitions
as `metrics/`, vectorised the way a careful pandas user writes them
(categoricals, numpy masks, merges and groupbys; no Python loops over rows).
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd

from bench import metrics_common as C
from metrics.impact import paired_change_from_moments
from metrics.periods import add_months, last_complete_month, month_end, week_start, year_before

Frames = dict[str, pd.DataFrame]


def ts(d: date) -> pd.Timestamp:
    return pd.Timestamp(d)


def month_of(s: pd.Series) -> np.ndarray:
    out: np.ndarray = s.to_numpy().astype("datetime64[M]").astype("datetime64[ms]")
    return out


def day_bits(s: pd.Series) -> np.ndarray:
    out: np.ndarray = np.left_shift(np.int64(1), s.dt.day.to_numpy().astype(np.int64) - 1)
    return out


def aggregate_hours(raw: pd.DataFrame) -> pd.DataFrame:
    """Raw entries → monthly rows with a day mask (as the SQL loader does)."""
    df = raw.assign(month=month_of(raw["worked_on"]), day=raw["worked_on"].dt.day.to_numpy())
    keys = ["member_id", "chapter_id", "program_id", "status", "month"]
    sums = df.groupby(keys, dropna=False, observed=True, sort=False).agg(
        minutes=("minutes", "sum"), entries=("minutes", "size")
    )
    # OR of day bits = sum of the distinct days' bits.
    days = df[[*keys, "day"]].drop_duplicates()
    days = days.assign(bit=np.left_shift(np.int64(1), days["day"].to_numpy().astype(np.int64) - 1))
    mask = days.groupby(keys, dropna=False, observed=True, sort=False)["bit"].sum().rename("day_mask")
    return sums.join(mask).reset_index()


class Report:
    def __init__(self, f: Frames) -> None:
        self.f = f
        d = f["donations"]
        net = d["reporting_amount_minor"] - d["refunded_minor"]
        self.gifts = d.assign(amount=net)[(net > 0).to_numpy() & (d["received_on"] <= ts(C.AS_OF)).to_numpy()]
        ev = f["events"].rename(columns={"id": "event_id"})
        ev = ev[ev["starts_on"] <= ts(C.AS_OF)]
        self.events = ev
        self.attended = f["attendance"].merge(ev, on="event_id", how="inner")
        per_event = (
            f["attendance"]
            .groupby("event_id", sort=False)
            .agg(member_attendances=("member_id", "count"), guests=("guest_count", "sum"))
        )
        self.counts = ev.merge(per_event, left_on="event_id", right_index=True, how="left").fillna(
            {"member_attendances": 0, "guests": 0}
        )
        self.hours = f["volunteer_hours"]
        self.approved = self.hours[self.hours["status"] == "approved"]
        att = self.attended[self.attended["member_id"].notna()]
        links = f["donor_members"]
        gave = self.gifts.merge(links, on="donor_id", how="inner")
        vol = self.hours[self.hours["status"] == "approved"]
        self.activity = pd.concat(
            [
                pd.DataFrame(
                    {
                        "member_id": att["member_id"].astype(np.int64).to_numpy(),
                        "month": month_of(att["starts_on"]),
                        "day_mask": day_bits(att["starts_on"]),
                        "part": True,
                    }
                ),
                pd.DataFrame(
                    {
                        "member_id": vol["member_id"].to_numpy(),
                        "month": vol["month"].to_numpy(),
                        "day_mask": vol["day_mask"].to_numpy().astype(np.int64),
                        "part": True,
                    }
                ),
                pd.DataFrame(
                    {
                        "member_id": gave["member_id"].to_numpy(),
                        "month": month_of(gave["received_on"]),
                        "day_mask": day_bits(gave["received_on"]),
                        "part": False,
                    }
                ),
            ],
            ignore_index=True,
        )
        self.rungs = self._rungs()

    # --- per period -----------------------------------------------------------------

    def members_at(self, at: date) -> np.ndarray:
        m = self.f["members"]
        t = ts(at)
        out: np.ndarray = ((m["joined_on"] <= t) & (m["left_on"].isna() | (m["left_on"] > t))).to_numpy()
        return out

    def active(self, at: date) -> tuple[int, int]:
        first = at - timedelta(days=C.ACTIVE_DAYS - 1)
        a = self.activity
        a = a[(a["month"] >= ts(first.replace(day=1))) & (a["month"] <= ts(at))]
        m = a["month"].to_numpy()
        lo = np.where(m == np.datetime64(first.replace(day=1), "ms"), first.day, 1)
        hi = np.where(m == np.datetime64(at.replace(day=1), "ms"), at.day, 31)
        rng = np.left_shift(np.int64(1), hi) - np.left_shift(np.int64(1), lo - 1)
        ids = np.unique(a["member_id"].to_numpy()[(a["day_mask"].to_numpy() & rng) != 0])
        current = self.f["members"]["id"].to_numpy()[self.members_at(at)]
        return int(np.isin(current, ids, assume_unique=True).sum()), len(current)

    def events_in(self, w: C.Window) -> dict[str, float]:
        c = self.counts[(self.counts["starts_on"] >= ts(w.start)) & (self.counts["starts_on"] <= ts(w.end))]
        a = self.attended[
            (self.attended["starts_on"] >= ts(w.start)) & (self.attended["starts_on"] <= ts(w.end))
        ]
        return {
            "events": len(c),
            "attendance": float((c["member_attendances"] + c["guests"]).sum()),
            "unique": a["member_id"].dropna().nunique(),
        }

    def per_volunteer(self, w: C.Window) -> pd.Series:
        h = self.approved
        h = h[(h["month"] >= ts(w.start)) & (h["month"] <= ts(w.end))]
        return h.groupby("member_id", sort=False)["minutes"].sum() / 60.0

    def hours_summary(self, w: C.Window) -> dict[str, float]:
        per = self.per_volunteer(w).sort_values(ascending=False).to_numpy()
        total = per.sum()
        cum = np.cumsum(per)
        top = per[: math.ceil(len(per) / 10)].sum()
        return {
            "hours": float(total),
            "volunteers": len(per),
            "absence": float(((cum - per) < 0.5 * total).sum()) if total > 0 else math.nan,
            "top_decile": float(top / total) if total > 0 else math.nan,
            "value": float(total * C.HOURLY_VALUE_MINOR),
        }

    def gift_summary(self, w: C.Window) -> dict[str, float]:
        g = self.gifts[(self.gifts["received_on"] >= ts(w.start)) & (self.gifts["received_on"] <= ts(w.end))]
        total = float(g["amount"].sum())
        per = g.groupby("donor_id", sort=False)["amount"].sum().to_numpy().astype(float)
        by_source = g.groupby("source", observed=True)["amount"].sum().to_numpy().astype(float)
        return {
            "funds": total,
            "gifts": len(g),
            "donors": len(per),
            "hhi": float(10_000 * ((per / total) ** 2).sum()) if total else math.nan,
            "hhi_sources": float(10_000 * ((by_source / total) ** 2).sum()) if total else math.nan,
            "top_k": float(np.sort(per)[-C.TOP_K :].sum() / total) if total else math.nan,
            "recurring": float(g.loc[g["is_recurring"], "amount"].sum() / total) if total else math.nan,
        }

    def finance(self, as_of: date) -> dict[str, float]:
        last = last_complete_month(as_of)
        burn_first, burn_end = add_months(last, -(C.BURN_MONTHS - 1)), month_end(last)
        year_first = year_before(as_of) + timedelta(days=1)
        g, x = self.gifts, self.f["expenses"]
        x = x[x["spent_on"] <= ts(as_of)]
        cin = g.loc[(g["received_on"] >= ts(burn_first)) & (g["received_on"] <= ts(burn_end)), "amount"].sum()
        cout = x.loc[
            (x["spent_on"] >= ts(burn_first)) & (x["spent_on"] <= ts(burn_end)), "reporting_amount_minor"
        ].sum()
        burn = (cout - cin) / C.BURN_MONTHS
        year_exp = x.loc[x["spent_on"] >= ts(year_first), "reporting_amount_minor"].sum()
        b = self.f["balance_snapshots"]
        b = b[b["as_of"] <= ts(as_of)].sort_values("as_of")
        snap = b.iloc[-1]
        runway = snap["cash_minor"] / burn if burn > 0 else math.nan
        return {
            "net_burn": float(burn),
            "runway": float(runway),
            "reserve_months": float(12 * snap["unrestricted_reserves_minor"] / year_exp),
        }

    def fundraising_year(self, year: int, as_of: date) -> dict[str, float]:
        g = self.gifts[self.gifts["received_on"] <= ts(min(as_of, date(year, 12, 31)))]
        fy = g["received_on"].dt.year.to_numpy()
        amt = g["amount"].to_numpy()
        per = (
            pd.DataFrame(
                {
                    "donor_id": g["donor_id"].to_numpy(),
                    "a0": np.where(fy == year, amt, 0),
                    "a1": np.where(fy == year - 1, amt, 0),
                    "a2": np.where(fy == year - 2, amt, 0),
                    "fy": fy,
                }
            )
            .groupby("donor_id", sort=False)
            .agg(a0=("a0", "sum"), a1=("a1", "sum"), a2=("a2", "sum"), first_fy=("fy", "min"))
        )
        in0, in1 = per["a0"] > 0, per["a1"] > 0
        new1 = per["first_fy"] == year - 1
        repeat1 = in1 & ~new1
        return {
            "donors": int(in0.sum()),
            "donors_prev": int(in1.sum()),
            "retained": int((in0 & in1).sum()),
            "new_prev_retained": int((new1 & in0).sum()),
            "repeat_prev": int(repeat1.sum()),
            "lybunt": int((in1 & ~in0).sum()),
            "sybunt": int(((per["first_fy"] < year) & ~in0 & ~in1).sum()),
            "retention": float((in0 & in1).sum() / in1.sum()) if in1.sum() else math.nan,
        }

    # --- series and the rest --------------------------------------------------------

    def members_weekly(self) -> pd.DataFrame:
        m = self.f["members"]
        first_week = week_start(C.START)
        lead = first_week - timedelta(weeks=4)
        weeks = pd.date_range(ts(lead), ts(week_start(C.END)), freq="7D").as_unit("ms")
        m = m[m["joined_on"] <= ts(C.END)]
        before = ts(lead - timedelta(days=1))
        base = int(((m["joined_on"] <= before) & (m["left_on"].isna() | (m["left_on"] > before))).sum())

        def weekly(col: pd.Series) -> pd.Series:
            wk = col - pd.to_timedelta(col.dt.weekday, unit="D")
            return wk.value_counts().reindex(weeks, fill_value=0)

        joins = weekly(m.loc[m["joined_on"] >= ts(lead), "joined_on"])
        left = m["left_on"]
        leaves = weekly(left[(left >= ts(lead)) & (left <= ts(C.END))])
        out = pd.DataFrame({"joins": joins.to_numpy(), "leaves": leaves.to_numpy()}, index=weeks)
        out["members"] = base + (out["joins"] - out["leaves"]).cumsum()
        prev = out["members"].shift(1).fillna(base)
        out["growth"] = (out["members"] - prev) / prev.where(prev > 0)
        out["churn"] = out["leaves"] / prev.where(prev > 0)
        prev4 = out["members"].shift(4)
        out["growth_4w"] = (out["members"] - prev4) / prev4.where(prev4 > 0)
        out["churn_4w"] = out["leaves"].rolling(4).sum() / prev4.where(prev4 > 0)
        return out[out.index >= ts(first_week)]

    def attendance_weekly(self) -> pd.DataFrame:
        c = self.counts
        first_week = week_start(C.START)
        lead = first_week - timedelta(weeks=C.SPIKE_WINDOW)
        weeks = pd.date_range(ts(lead), ts(week_start(C.END)), freq="7D").as_unit("ms")
        w = c[(c["starts_on"] >= ts(lead)) & (c["starts_on"] <= ts(C.END))]
        wk = w["starts_on"] - pd.to_timedelta(w["starts_on"].dt.weekday, unit="D")
        g = (
            (w["member_attendances"] + w["guests"])
            .groupby(wk)
            .agg(["size", "sum"])
            .reindex(weeks, fill_value=0)
        )
        first_ever = c["starts_on"].min()
        first_ever = first_ever - pd.Timedelta(days=first_ever.weekday())
        att = g["sum"].astype(float)
        prior = att.where(weeks >= first_ever).shift(1)
        mean = prior.rolling(C.SPIKE_WINDOW, min_periods=C.MIN_HISTORY).mean()
        sd = prior.rolling(C.SPIKE_WINDOW, min_periods=C.MIN_HISTORY).std()
        upper, lower = mean + C.SPIKE_SD * sd, mean - C.SPIKE_SD * sd
        partial = (weeks + pd.Timedelta(days=6)) > ts(C.END)
        side = np.where(att > upper, 1, np.where(att < lower, -1, 0))
        side = np.where(partial | (mean < C.MIN_MEAN) | mean.isna(), 0, side)
        run = np.cumsum(np.r_[True, side[1:] != side[:-1]])
        run_len = pd.Series(run).map(pd.Series(run).value_counts()).to_numpy()
        marker = pd.Series(np.where(run_len >= C.TREND_WEEKS, "shift", "spike")).where(side != 0).to_numpy()
        out = pd.DataFrame(
            {"events": g["size"], "attendance": att, "mean": mean, "sd": sd, "marker": marker}, index=weeks
        )
        return out[out.index >= ts(first_week)]

    def finance_monthly(self) -> pd.DataFrame:
        lookback = add_months(C.START, -11)
        months = pd.date_range(ts(lookback), ts(C.END.replace(day=1)), freq="MS").as_unit("ms")
        g = self.gifts[(self.gifts["received_on"] >= ts(lookback)) & (self.gifts["received_on"] <= ts(C.END))]
        x = self.f["expenses"]
        x = x[(x["spent_on"] >= ts(lookback)) & (x["spent_on"] <= ts(C.END))]
        cin = g.groupby(month_of(g["received_on"]))["amount"].sum().reindex(months, fill_value=0)
        cout = (
            x.groupby(month_of(x["spent_on"]))["reporting_amount_minor"].sum().reindex(months, fill_value=0)
        )
        out = pd.DataFrame({"month": months, "cash_in": cin.to_numpy(), "cash_out": cout.to_numpy()})
        out["net_out"] = out["cash_out"] - out["cash_in"]
        out["net_burn"] = out["net_out"].rolling(C.BURN_MONTHS).mean()
        out["expenses_12m"] = out["cash_out"].rolling(12).sum()
        out["_end"] = out["month"] + pd.offsets.MonthEnd(0)
        snaps = self.f["balance_snapshots"].sort_values("as_of")
        out = pd.merge_asof(out.sort_values("_end"), snaps, left_on="_end", right_on="as_of")
        out["runway"] = np.where(out["net_burn"] > 0, out["cash_minor"] / out["net_burn"], np.nan)
        out["reserve_months"] = 12 * out["unrestricted_reserves_minor"] / out["expenses_12m"]
        return out[out["month"] >= ts(C.START)]

    def revenue_by_source(self) -> pd.DataFrame:
        g = self.gifts[(self.gifts["received_on"] >= ts(C.START)) & (self.gifts["received_on"] <= ts(C.END))]
        return (
            g.assign(month=month_of(g["received_on"]))
            .groupby(["month", "source"], observed=True)
            .agg(amount=("amount", "sum"), gifts=("amount", "size"))
        )

    def cohorts(self) -> pd.DataFrame:
        last = C.END.replace(day=1)
        first = add_months(last, -(C.COHORTS - 1))
        m = self.f["members"]
        mem = m[(m["joined_on"] >= ts(first)) & (m["joined_on"] <= ts(C.END))]
        mem = pd.DataFrame({"member_id": mem["id"].to_numpy(), "cohort": month_of(mem["joined_on"])})
        a = self.activity[(self.activity["month"] >= ts(first)) & (self.activity["month"] <= ts(C.END))]
        j = mem.merge(a[["member_id", "month"]], on="member_id").drop_duplicates(["member_id", "month"])
        k = (j["month"].dt.year - j["cohort"].dt.year) * 12 + j["month"].dt.month - j["cohort"].dt.month
        return j.assign(k=k)[k >= 0].groupby(["cohort", "k"]).size().rename("active").reset_index()

    def _rungs(self) -> pd.DataFrame:
        a = self.attended.loc[self.attended["member_id"].notna(), ["member_id", "starts_on"]]
        a = a.sort_values(["member_id", "starts_on"])
        rank = a.groupby("member_id", sort=False).cumcount()
        first = a[rank.to_numpy() == 0].set_index("member_id")["starts_on"].rename("attendee")
        second = a[rank.to_numpy() == 1].set_index("member_id")["starts_on"].rename("repeat_attendee")
        h = self.approved[self.approved["day_mask"] != 0]
        mask = h["day_mask"].to_numpy().astype(np.int64)
        low = np.log2(mask & -mask).astype(np.int64)
        day = h["month"] + pd.to_timedelta(low, unit="D")
        vol = day.groupby(h["member_id"].to_numpy()).min().rename("volunteer")
        m = self.f["members"].set_index("id")
        r = m[["joined_on", "left_on", "trained_on", "leader_since"]].rename(
            columns={"trained_on": "trained", "leader_since": "leader"}
        )
        return r.join(first).join(second).join(vol)

    def ladder(self, at: date) -> list[int]:
        r = self.rungs
        t = ts(at)
        r = r[(r["joined_on"] <= t) & (r["left_on"].isna() | (r["left_on"] > t))]
        rank = np.zeros(len(r), dtype=np.int64)
        for i, col in enumerate(("attendee", "repeat_attendee", "volunteer", "trained", "leader")):
            rank = np.maximum(rank, np.where((r[col] <= t).to_numpy(), i + 1, 0))
        return [len(r)] + [int((rank >= k).sum()) for k in range(1, 6)]

    def breadth_depth(self) -> tuple[int, int, pd.Series]:
        a = self.activity
        a = a[a["part"] & (a["month"] >= ts(C.START)) & (a["month"] <= ts(C.END))]
        per_month = a.groupby("month")["member_id"].nunique()
        breadth = a["member_id"].nunique()
        r = self.rungs
        cols = ("attendee", "repeat_attendee", "volunteer", "trained", "leader")
        climbed = []
        for i in range(1, 5):
            mr = r[cols[i]].to_numpy().astype("datetime64[M]").astype("datetime64[ms]")
            ok = (r[cols[i]] >= ts(C.START)) & (r[cols[i]] <= ts(C.END))
            for higher in cols[i + 1 :]:
                ok &= r[higher].isna() | (r[higher].to_numpy() >= mr)
            climbed.append(pd.DataFrame({"member_id": r.index[ok.to_numpy()], "month": mr[ok.to_numpy()]}))
        cl = pd.concat(climbed).drop_duplicates()
        return breadth, cl["member_id"].nunique(), per_month

    def hours_distribution(self) -> tuple[np.ndarray, np.ndarray]:
        per = self.per_volunteer(C.CURRENT).to_numpy()
        idx = np.searchsorted(np.array(C.HOUR_BINS), per, side="right") - 1
        counts = np.bincount(idx, minlength=len(C.HOUR_BINS))
        srt = np.sort(per)[::-1]
        lorenz = np.cumsum(srt) / srt.sum()
        return counts, lorenz[np.minimum(len(srt) - 1, (np.arange(1, 21) / 20 * len(srt)).astype(int) - 1)]

    def volunteers_monthly(self) -> pd.DataFrame:
        h = self.approved
        cur = h[(h["month"] >= ts(C.START)) & (h["month"] <= ts(C.END))]
        per = cur.groupby("month").agg(volunteers=("member_id", "nunique"), minutes=("minutes", "sum"))
        first = self.rungs["volunteer"].dropna()
        first_month = first.to_numpy().astype("datetime64[M]").astype("datetime64[ms]")
        new = pd.Series(first_month).value_counts()
        return per.join(new.rename("new"), how="left").fillna(0)

    def volunteer_retention(self) -> tuple[int, int]:
        h = self.approved
        v0 = h.loc[(h["month"] >= ts(date(C.FY, 1, 1))) & (h["month"] <= ts(C.END)), "member_id"].unique()
        v1 = h.loc[
            (h["month"] >= ts(date(C.FY - 1, 1, 1))) & (h["month"] <= ts(date(C.FY - 1, 12, 31))), "member_id"
        ].unique()
        return int(np.isin(v1, v0).sum()), len(v1)

    def burnout(self) -> int:
        last = last_complete_month(C.AS_OF)
        quiet_first = add_months(last, -(C.QUIET - 1))
        sust_first = add_months(quiet_first, -C.SUSTAINED)
        h = self.approved
        h = h[(h["month"] >= ts(sust_first)) & (h["month"] <= ts(last))]
        months = h[["member_id", "month"]].drop_duplicates()
        sustained = months[months["month"] < ts(quiet_first)].groupby("member_id").size()
        quiet = months.loc[months["month"] >= ts(quiet_first), "member_id"].unique()
        full = sustained[sustained == C.SUSTAINED].index.to_numpy()
        return int((~np.isin(full, quiet)).sum())

    def spread(self) -> float:
        c = self.counts[(self.counts["starts_on"] >= ts(C.START)) & (self.counts["starts_on"] <= ts(C.END))]
        att = (c["member_attendances"] + c["guests"]).groupby(c["chapter_id"]).sum()
        h = self.approved[(self.approved["month"] >= ts(C.START)) & (self.approved["month"] <= ts(C.END))]
        units = att.add(h.groupby("chapter_id")["entries"].sum(), fill_value=0)
        u = np.sort(units[units > 0].to_numpy())[::-1]
        cum = np.cumsum(u)
        return float(((cum - u) < 0.5 * u.sum()).sum())

    def impact(self) -> dict[str, float]:
        s = self.f["survey_responses"]
        items = [f"q{i:02d}" for i in range(1, 17)]
        vals = s[items].to_numpy().astype(np.int64)
        rev = np.isin(np.arange(1, 17), C.TEQ_REVERSED)
        teq = np.where(rev, 4 - vals, vals).sum(axis=1)
        s = s.assign(teq=teq, _event=np.where(s["program_id"].isna(), s["event_id"], np.nan))
        keys = ["program_id", "_event", "respondent_code"]
        pre = (
            s[s["wave"] == "pre"]
            .sort_values("answered_on")
            .groupby(keys, dropna=False)
            .agg(pre=("teq", "first"))
        )
        post = (
            s[s["wave"] == "post"]
            .sort_values("answered_on")
            .groupby(keys, dropna=False)
            .agg(post=("teq", "last"), post_on=("answered_on", "last"))
        )
        pairs = pre.join(post, how="inner").reset_index()
        pairs = pairs[(pairs["post_on"] >= ts(C.START)) & (pairs["post_on"] <= ts(C.END))]
        diff = pairs["post"] - pairs["pre"]
        g = (
            pairs.assign(diff=diff)
            .groupby("program_id", dropna=False)
            .agg(
                n=("diff", "size"),
                mean_pre=("pre", "mean"),
                mean_post=("post", "mean"),
                sd_pre=("pre", "std"),
                sd_post=("post", "std"),
                mean_diff=("diff", "mean"),
                sd_diff=("diff", "std"),
            )
        )
        by_program = [
            paired_change_from_moments(
                None, int(r.n), r.mean_pre, r.mean_post, r.sd_pre, r.sd_post, r.mean_diff, r.sd_diff
            )
            for r in g.itertuples()
        ]
        overall = paired_change_from_moments(
            None,
            len(pairs),
            pairs["pre"].mean(),
            pairs["post"].mean(),
            pairs["pre"].std(),
            pairs["post"].std(),
            diff.mean(),
            diff.std(),
        )
        p = s[
            (s["answered_on"] >= ts(C.START))
            & (s["answered_on"] <= ts(C.END))
            & s["wave"].isin(["post", "follow_up"])
            & s["practice"].notna()
        ]
        latest = p.sort_values("answered_on").groupby("respondent_code")["practice"].last()
        dist = (
            s[(s["answered_on"] >= ts(C.START)) & (s["answered_on"] <= ts(C.END))]
            .groupby(["program_id", "wave", "teq"], observed=True)
            .size()
        )
        return {
            "paired_n": len(pairs),
            "paired_mean": float(diff.mean()),
            "programs_paired": len(by_program),
            "practice_n": len(latest),
            "practice_k": int(latest.isin(C.WEEKLY_OR_MORE).sum()),
            "teq_rows": int(dist.sum()),
            "ci": overall.ci_d_z.low or 0.0,
        }


def run(f: Frames) -> dict[str, float]:
    """The whole report; returns the checked figures."""
    r = Report(f)
    out: dict[str, Any] = {}
    for w, suffix in ((C.CURRENT, ""), (C.PREVIOUS, "_prev")):
        members_now = int(r.members_at(w.end).sum())
        active, n_members = r.active(w.end)
        ev = r.events_in(w)
        hs = r.hours_summary(w)
        gs = r.gift_summary(w)
        r.finance(w.end)
        fy = r.fundraising_year(w.end.year, w.end)
        out[f"members{suffix}"] = members_now
        out[f"attendance{suffix}"] = ev["attendance"]
        out[f"hours{suffix}"] = hs["hours"]
        out[f"funds{suffix}"] = gs["funds"]
        if suffix:
            out["active_prev_ratio"] = active / n_members
            out["retention_prev"] = fy["retention"]
        else:
            out.update(
                active=active,
                events=ev["events"],
                unique_attendees=ev["unique"],
                volunteers=hs["volunteers"],
                absence_factor=hs["absence"],
                donors=gs["donors"],
                hhi_donors=gs["hhi"],
                top_k_share=gs["top_k"],
                recurring_share=gs["recurring"],
                fy_donors=fy["donors"],
                fy_donors_prev=fy["donors_prev"],
                fy_retained=fy["retained"],
                fy_new_prev_retained=fy["new_prev_retained"],
                fy_repeat_prev=fy["repeat_prev"],
                lybunt=fy["lybunt"],
                sybunt=fy["sybunt"],
            )
    fin = r.finance(C.AS_OF)
    out["net_burn"], out["reserve_months"] = fin["net_burn"], fin["reserve_months"]
    weekly = r.members_weekly()
    out["weekly_members"] = int(weekly["members"].sum())
    out["spikes"] = int((r.attendance_weekly()["marker"] == "spike").sum())
    r.finance_monthly()
    r.revenue_by_source()
    out["cohort_active"] = int(r.cohorts()["active"].sum())
    for i, v in enumerate(r.ladder(C.AS_OF)):
        out[f"ladder_{i}"] = v
    out["breadth"], out["depth"], _ = r.breadth_depth()
    r.hours_distribution()
    out["new_volunteers"] = int(r.volunteers_monthly()["new"].sum())
    out["vol_retained"], out["vol_prev"] = r.volunteer_retention()
    out["dropped"] = r.burnout()
    out["elephant"] = r.spread()
    imp = r.impact()
    out.update({k: imp[k] for k in ("paired_n", "paired_mean", "programs_paired", "practice_n", "teq_rows")})
    return {k: float(v) for k, v in out.items()}
