"""Optuna's answer to the tuning problem rungs solves, for bench/quality.

TPE samples configurations from rungs' own search space (passed in as JSON),
and Optuna's SuccessiveHalvingPruner stops the weak ones at the same rungs
rungs uses. fastText cannot resume, so every rung retrains from scratch, and
every training is charged to the same epoch budget rungs gets. Each finished
training is printed as one JSON line on stdout; bench/quality/optuna.ts reads
them.

Usage: /usr/bin/python3 optuna_search.py '<task JSON>'
"""

import json
import math
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

import optuna

# fastText's own default, used where the loss does not read `neg` (as rungs does).
DEFAULT_NEG = 5


class EpochBudget:
    """Epochs left to hand out, shared by the trials running at once."""

    def __init__(self, epochs):
        self.left = epochs
        self.spent = 0
        self.lock = threading.Lock()

    def reserve(self, epochs):
        with self.lock:
            if epochs > self.left:
                return False
            self.left -= epochs
            return True

    def charge(self, epochs):
        with self.lock:
            self.spent += epochs
            return self.spent


def suggest(trial, space):
    """A configuration from rungs' space, with rungs' constraints written as
    Optuna's conditional parameters: maxn only with character n-grams and never
    below minn, neg only for negative sampling."""
    config = {}
    for name, p in space.items():
        if name == "maxn" or name == "neg":
            continue
        config[name] = suggest_one(trial, name, p)
    if "maxn" in space:
        p = space["maxn"]
        minn = config.get("minn", 0)
        config["maxn"] = (
            0 if minn == 0 else suggest_one(trial, "maxn", dict(p, min=max(p["min"], minn)))
        )
    if "neg" in space:
        ns = config.get("loss") == "ns"
        config["neg"] = suggest_one(trial, "neg", space["neg"]) if ns else DEFAULT_NEG
    return config


def suggest_one(trial, name, p):
    log = bool(p.get("log", False))
    if p["type"] == "float":
        return trial.suggest_float(name, p["min"], p["max"], log=log)
    if p["type"] == "int":
        return trial.suggest_int(name, p["min"], p["max"], log=log)
    return trial.suggest_categorical(name, p["values"])


def train_and_score(task, config, epochs, workdir):
    """Validation P@1 of `config` trained for `epochs`, or None if fastText failed."""
    model = os.path.join(workdir, "model")
    options = [x for name, value in config.items() for x in (f"-{name}", str(value))]
    train = [task["fasttext"], "supervised", "-input", task["train"], "-output", model]
    train += ["-epoch", str(epochs), "-thread", "1", "-verbose", "0", *options]
    try:
        if subprocess.run(train, capture_output=True).returncode != 0:
            return None
        test = [task["fasttext"], "test", model + ".bin", task["valid"], "1"]
        done = subprocess.run(test, capture_output=True, text=True)
        found = re.search(r"^P@1\s+(\S+)$", done.stdout, re.MULTILINE)
        score = float(found.group(1)) if done.returncode == 0 and found else math.nan
        return score if math.isfinite(score) else None
    finally:
        for suffix in (".bin", ".vec"):
            if os.path.exists(model + suffix):
                os.remove(model + suffix)


def objective_for(task, budget, started, study_stop):
    rungs = task["rungs"]

    def objective(trial):
        config = suggest(trial, task["space"])
        score = None
        for rung, epochs in enumerate(rungs):
            if not budget.reserve(epochs):
                # Nothing fits any more once a bottom-rung job does not.
                if rung == 0:
                    study_stop()
                raise optuna.TrialPruned()
            # The same learning-rate decay per rung as rungs (lr * decay^k).
            trained = dict(config, lr=round_lr(config["lr"] * task["lrDecay"] ** rung))
            begun = time.monotonic()
            with tempfile.TemporaryDirectory(dir=task["scratch"]) as workdir:
                score = train_and_score(task, trained, epochs, workdir)
            spent = budget.charge(epochs)
            emit(
                trial=trial.number,
                rung=rung,
                epochs=epochs,
                score=score,
                seconds=time.monotonic() - begun,
                finishedAt=time.monotonic() - started,
                spent=spent,
                config=trained,
            )
            if score is None:
                raise optuna.TrialPruned()
            trial.report(score, step=epochs)
            if rung < len(rungs) - 1 and trial.should_prune():
                raise optuna.TrialPruned()
        return score

    return objective


def round_lr(lr):
    """Six significant digits, as rungs passes lr to fastText."""
    return float(f"{lr:.6g}")


emit_lock = threading.Lock()


def emit(**fields):
    with emit_lock:
        print(json.dumps(fields), flush=True)


def main():
    task = json.loads(sys.argv[1])
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=task["seed"]),
        pruner=optuna.pruners.SuccessiveHalvingPruner(
            min_resource=task["rungs"][0],
            reduction_factor=task["eta"],
            min_early_stopping_rate=0,
        ),
    )
    budget = EpochBudget(task["budget"])
    objective = objective_for(task, budget, time.monotonic(), study.stop)
    study.optimize(objective, n_jobs=task["jobs"])
    emit(done=True, trials=len(study.trials), spent=budget.spent)


if __name__ == "__main__":
    main()
