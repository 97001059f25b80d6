"""Full-text search figures: seed N documents of realistic 公文 text (titles, 发文字号, senders,
bodies of 300–1 500 characters from an office phrase bank and a Zipf vocabulary, mixed 密级), then time queries of
1, 2 and 4 characters (p50 / p95 over many distinct queries, each run as the search dialog runs
it: one page of 50 hits with snippets and the counts per kind) for a 内部-cleared user.

    .venv/bin/python benchmarks/bench_search.py [N=100000] [DB_URL]

Without DB_URL a temporary SQLite file is used. Seeding 100 000 documents takes several minutes;
a DB_URL that already holds N indexed documents is reused (sqlite:////tmp/search100k.sqlite3).
"Broad" queries have more than ``search.RANK_LIMIT`` visible hits (see app/services/search/index.py).
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.domain.security import Clearance, Role
from app.services.context import Actor, ServiceContext
from app.services.search import index as search
from app.storage.migrate import open_database
from app.storage.models.search import SearchEntry

OFFICES = ["市人民政府办公室", "市应急管理局", "市财政局", "市教育局", "市卫生健康委员会", "市公安局",
           "市水利局", "市自然资源局", "市交通运输局", "市住房和城乡建设局", "省人民政府办公厅",
           "省应急管理厅", "区人民政府", "县人民政府", "市生态环境局", "市市场监督管理局"]
CODES = ["府发", "府办发", "府函", "应急发", "财预", "教发", "卫健发", "公通", "水函", "自然资发",
         "交运发", "建发", "办函", "应急函"]
KINDS = ["通知", "通报", "请示", "报告", "函", "意见", "决定", "纪要"]
TOPICS = ["春节期间值班值守", "防汛抗旱", "安全生产大检查", "森林防火", "疫情防控", "财政预算执行",
          "优化营商环境", "耕地保护", "城市管理", "道路交通安全", "消防安全隐患排查", "学校安全",
          "食品药品安全", "重大活动安保", "信访维稳", "政务公开", "节能减排", "乡村振兴",
          "人才引进", "应急预案修订", "突发事件信息报送", "国庆节假日安排", "防范电信诈骗",
          "危险化学品管理", "地质灾害防治", "冬季供暖保障", "网络安全", "档案管理"]
SUBJECTS = ["各单位", "各部门", "各区县人民政府", "市直有关单位", "各有关方面", "各级领导干部",
            "值班人员", "承办单位", "主要负责同志", "带班领导"]
VERBS = ["要高度重视", "要切实加强", "要认真落实", "要进一步完善", "要严格执行", "要及时报送",
         "要统筹做好", "要扎实推进", "要全面排查", "要加快建立", "要持续深化", "要坚决防止"]
OBJECTS = ["值班制度", "信息报送工作", "应急处置机制", "隐患排查整治", "责任追究制度", "督查督办",
           "续报工作", "组织领导", "宣传引导", "考核评价", "资金保障", "监测预警", "物资储备",
           "协调联动", "舆情应对", "风险研判", "领导带班制度", "二十四小时值班"]
TAILS = ["确保各项工作落到实处", "切实维护人民群众生命财产安全", "确保不发生重大责任事故",
         "为全市经济社会发展营造良好环境", "发现问题及时整改", "重要情况及时报告",
         "不得迟报、漏报、瞒报", "形成工作合力", "确保政令畅通", "全面提升工作水平"]
CLOSINGS = ["特此通知。", "妥否，请批示。", "特此报告。", "请予支持为盼。", "特此通报。",
            "请认真贯彻执行。", "以上意见如无不妥，请批转各地执行。"]


class Corpus:
    """A Zipf-distributed office vocabulary: the phrase bank above plus 30 000 words made of the
    3 755 common (GB2312 level 1) characters, themselves Zipf-distributed — so a few characters
    are in nearly every document and most words in only a few, as in real text."""

    def __init__(self, rng: random.Random) -> None:
        bank = "".join(TOPICS + OBJECTS + SUBJECTS + VERBS + TAILS + KINDS + OFFICES)
        level1 = [bytes([h, lo]).decode("gb2312") for h in range(0xB0, 0xD8)
                  for lo in range(0xA1, 0xFF) if not (h == 0xD7 and lo > 0xF9)]
        common = list(dict.fromkeys(c for c in bank if c in set(level1)))
        rest = [c for c in level1 if c not in set(common)]
        rng.shuffle(rest)
        self.chars = common + rest
        self.char_w = _cum([1 / (i + 10) for i in range(len(self.chars))])
        words = set()
        while len(words) < 30_000:
            k = rng.choices([2, 3, 4], [6, 2, 2])[0]
            words.add("".join(rng.choices(self.chars, cum_weights=self.char_w, k=k)))
        self.words = sorted(words)
        rng.shuffle(self.words)
        self.word_w = _cum([1 / (i + 1) for i in range(len(self.words))])

    def clause(self, rng: random.Random) -> str:
        return "".join(rng.choices(self.words, cum_weights=self.word_w, k=rng.randint(3, 8)))

    def body(self, rng: random.Random) -> str:
        paras = []
        for _ in range(rng.randint(3, 9)):
            sents = []
            for _ in range(rng.randint(2, 5)):
                if rng.random() < 0.4:
                    sents.append(f"{rng.choice(SUBJECTS)}{rng.choice(VERBS)}{rng.choice(OBJECTS)}，"
                                 f"围绕{rng.choice(TOPICS)}{self.clause(rng)}，{rng.choice(TAILS)}。")
                else:
                    sents.append(f"{self.clause(rng)}，{self.clause(rng)}，{self.clause(rng)}。")
            paras.append("".join(sents))
        paras.append(rng.choice(CLOSINGS))
        return "\n".join(paras)

    def queries(self, rng: random.Random, n: int = 40) -> dict[str, list[str]]:
        """Queries as users type them: frequent characters and words more often than rare."""
        def by_weight(pool: list[str], cum: list[float], length: int, bank: list[str]) -> list[str]:
            out: list[str] = []
            while len(out) < n:
                w = rng.choices(pool, cum_weights=cum)[0] if rng.random() < 0.7 else rng.choice(bank)
                if len(w) == length and w not in out:
                    out.append(w)
            return out

        bank_words = [w[i:i + 2] for w in TOPICS + OBJECTS for i in range(len(w) - 1)]
        bank_fours = [w[i:i + 4] for w in TOPICS + OBJECTS + TAILS for i in range(len(w) - 3)
                      if w[i:i + 4].isalnum()]
        return {
            "1 char": by_weight(self.chars, self.char_w, 1, list("值班报告会议通知安全应急")),
            "2 chars": by_weight(self.words, self.word_w, 2, bank_words),
            "4 chars": by_weight(self.words, self.word_w, 4, bank_fours),
        }


def _cum(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def seed(engine, n: int, rng: random.Random, corpus: Corpus) -> None:
    levels = [0] * 60 + [1] * 25 + [2] * 10 + [3] * 5
    kinds = ["document"] * 6 + ["incoming"] * 3 + ["minutes"]
    batch = 1000
    for start in range(0, n, batch):
        with Session(engine) as s, s.begin():
            for i in range(start, min(n, start + batch)):
                year = 2022 + i * 5 // n
                title = f"关于{rng.choice(TOPICS)}的{rng.choice(KINDS)}"
                extra = (f"{rng.choice(OFFICES)} 某{rng.choice(CODES)}〔{year}〕"
                         f"{rng.randint(1, 300)}号")
                search.index_record(s, rng.choice(kinds), i + 1, rng.choice(levels), title,
                                    corpus.body(rng), extra)
        if (start // batch) % 10 == 9:
            print(f"  seeded {start + batch}", flush=True)


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 100_000
    with tempfile.TemporaryDirectory() as tmp:
        url = args[1] if len(args) > 1 else f"sqlite:///{tmp}/bench.sqlite3"
        engine = open_database(url, Path(tmp) / "backups")
        rng = random.Random(9704)
        corpus = Corpus(rng)
        with Session(engine) as s:
            have = s.scalar(select(func.count()).select_from(SearchEntry)) or 0
        if have >= n:  # a database seeded by an earlier run: reuse it
            print(f"reusing {have} indexed documents ({engine.url.get_backend_name()})")
        else:
            t = time.perf_counter()
            seed(engine, n, rng, corpus)
            print(f"seed {n} documents: {time.perf_counter() - t:.1f} s  "
                  f"({engine.url.get_backend_name()})")
        ctx = ServiceContext(engine, Actor(None, "bench", Role.READER, Clearance.INTERNAL))
        search.search(ctx, "值班")  # warm the page cache
        for label, queries in corpus.queries(random.Random(42)).items():
            times, cpu, hits, broad = [], [], [], 0
            for q in queries:
                for _ in range(3):
                    t, c = time.perf_counter(), time.process_time()
                    res = search.search(ctx, q)
                    times.append((time.perf_counter() - t) * 1000)
                    cpu.append((time.process_time() - c) * 1000)
                hits.append(res.total)
                broad += not res.ranked
            times.sort()
            cpu.sort()
            p95 = times[int(len(times) * 0.95) - 1]
            print(f"{label:8s}: p50 {statistics.median(times):6.1f} ms  p95 {p95:6.1f} ms  "
                  f"max {times[-1]:6.1f} ms  (CPU p50 {statistics.median(cpu):.1f} / p95 "
                  f"{cpu[int(len(cpu) * 0.95) - 1]:.1f} ms; hits median "
                  f"{int(statistics.median(hits))}, {broad}/{len(queries)} broad)")
            # issue 30: a broad query's true counts per kind, asked for after its first page
            # (in the background in the dialog): how long they take to arrive
            counted, counted_cpu = [], []
            for q in queries:
                if search.search(ctx, q).counts_exact:
                    continue
                t, c = time.perf_counter(), time.process_time()
                search.count_hits(ctx, q)
                counted.append((time.perf_counter() - t) * 1000)
                counted_cpu.append((time.process_time() - c) * 1000)
            if counted:
                counted.sort()
                counted_cpu.sort()
                at95 = max(0, int(len(counted) * 0.95) - 1)
                print(f"{'':8s}  counts of the {len(counted)} broad ones (count_hits): p50 "
                      f"{statistics.median(counted):6.1f} ms  p95 {counted[at95]:6.1f} ms  "
                      f"max {counted[-1]:6.1f} ms  (CPU p50 {statistics.median(counted_cpu):.1f}"
                      f" / p95 {counted_cpu[at95]:.1f} ms)")
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
