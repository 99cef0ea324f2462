"""Experiment: at ~600 documents, a warm start from a 300-document model: 2 epochs (MIN_EPOCHS as
shipped) against 4; suggest on documents 600-800, count edits as bench/effort.py."""
import json, sys, time
from pathlib import Path
sys.path.insert(0, "/work/main"); sys.path.insert(0, "/work/main/bench")
import torch
torch.set_num_threads(1)
import converters
from bench.retrain_schedule import DATA, converters_to_input
from app.retraining.options import DEFAULT_TRAIN_CONFIG
from app.retraining.training_data import is_dev
from bench.effort import gold_of, plan_edits, Ent, Rel
from core_model import Predictor, TrainConfig, train

out = Path("/tmp/exp5/r"); out.mkdir(parents=True, exist_ok=True)
path = DATA / "conll04" / "conll04_train.json"
docs = converters.read("spert", path); schema = converters.read_schema("spert", path)
for i, d in enumerate(docs): d.id = f"doc{i:04d}"
target = docs[600:800]
inputs = [converters_to_input(d) for d in target]

def score(model_dir):
    pred = Predictor.load(model_dir, device="cpu")
    preds = pred.predict(inputs)
    E = R = S = tp = np_ = ng = 0
    for d, p in zip(target, preds):
        gold = gold_of(d)
        ents = [Ent(i, e.type, ((e.start, e.end),)) for i, e in enumerate(p.entities)]
        rels = [Rel(k, r.type, r.head, r.tail) for k, r in enumerate(p.relations) if r.probability >= 0.5]
        plan = plan_edits(ents, rels, *gold)
        E += plan.edits("entity"); R += plan.edits("relation"); S += len(gold[0]) + len(gold[1])
        tp += len(plan.of("entity", "keep")); np_ += len(ents); ng += len(gold[0])
    return dict(ent_edits=E, rel_edits=R, scratch=S, saved=round(100 - 100*(E+R)/S, 2), P=round(tp/max(np_,1),3), R=round(tp/ng,3))

def split(n, tag):
    tmp = out / tag; tmp.mkdir(exist_ok=True)
    part = docs[:n]
    converters.write("spert", [d for d in part if not is_dev(d.id)], tmp / "train.json", schema=schema)
    converters.write("spert", [d for d in part if is_dev(d.id)], tmp / "dev.json")
    return tmp

def run(tag, n, epochs, init_from=None, shapes=True):
    tmp = split(n, tag)
    cfg = {**DEFAULT_TRAIN_CONFIG, "seed": 42, "device": "cpu"}
    if epochs:
        cfg.update(schedule="fixed", epochs=epochs)
    t0 = time.time()
    kw = {"init_from": str(init_from)} if init_from else {"model_config": {"word_shapes": shapes}}
    res = train(str(tmp/"train.json"), str(tmp/"dev.json"), str(tmp/"train_types.json"), tmp/"M",
                train_config=TrainConfig(**cfg), show_progress=False, **kw)
    row = dict(tag=tag, n=n, epochs=len(res.history), best=res.best_epoch, secs=round(time.time()-t0),
               dev=[round(h.relation_f1, 3) if hasattr(h, "relation_f1") else None for h in res.history])
    row.update(score(tmp/"M"))
    print(json.dumps(row), flush=True)
    with open(out / "rows.jsonl", "a") as fh: fh.write(json.dumps(row) + "\n")
    return tmp/"M"

base = run("base300", 300, None)
run("warm600_e2", 600, 2, base)
run("warm600_e4", 600, 4, base)
