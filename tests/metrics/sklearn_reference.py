#!/usr/bin/python3
"""Records scikit-learn's metrics on a few fixed prediction/target sets into a text file that
tests/metrics/sklearn_metrics_test.cpp reads: the inputs and sklearn's values, so the C++ test
computes typegrad's metrics on the same numbers and compares.

    /usr/bin/python3 tests/metrics/sklearn_reference.py [OUT]   (default: sklearn_reference.txt here)
    /usr/bin/python3 tests/metrics/sklearn_reference.py --compare FILE

--compare recomputes everything and exits 1 unless FILE holds the same (ctest runs it, so the
committed file cannot drift from sklearn); it exits 77 (skipped) when sklearn is not installed.

Format, one item per line: `case NAME`, then `KEY v1 v2 ...` lines, then `end`. Inputs are float32
values (so a float model's predictions read back exactly), written with repr.
"""

import os
import sys
import warnings

import numpy as np

try:
    import sklearn
    from sklearn import metrics
    from sklearn.preprocessing import StandardScaler
except ImportError:
    sklearn = None


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def line(key, values):
    values = np.atleast_1d(np.asarray(values, dtype=np.float64)).ravel()
    return key + "".join(" " + repr(float(v)) for v in values)


def classification(name, classes, width, predictions, targets):
    """predictions: [rows, width]; width == classes (scores) or 1 (a logit for 2 classes, else a
    class index), as tg::confusion_matrix reads them."""
    predictions, targets = f32(predictions), f32(targets)
    if width == 1:
        flat = predictions.ravel()
        labels = (flat > 0).astype(int) if classes == 2 else flat.astype(int)
    else:
        labels = np.argmax(predictions.reshape(-1, width), axis=1)
    y = targets.astype(int)
    out = [f"case {name}", f"classes {classes}", f"width {width}", line("predictions", predictions),
           line("targets", targets)]
    all_labels = list(range(classes))
    out.append(line("confusion", metrics.confusion_matrix(y, labels, labels=all_labels)))
    out.append(line("accuracy", metrics.accuracy_score(y, labels)))
    for zd in (0, 1):
        for what, fn in (("precision", metrics.precision_score), ("recall", metrics.recall_score),
                         ("f1", metrics.f1_score)):
            out.append(line(f"{what}_per_class_{zd}", fn(y, labels, labels=all_labels, average=None,
                                                        zero_division=zd)))
            for avg in ("macro", "micro", "weighted"):
                out.append(line(f"{what}_{avg}_{zd}", fn(y, labels, labels=all_labels, average=avg,
                                                         zero_division=zd)))
    out.append("end")
    return out


def regression(name, predictions, targets):
    p, y = f32(predictions), f32(targets)
    scaler = StandardScaler().fit(y.reshape(-1, 1))
    return [f"case {name}", line("predictions", p), line("targets", y),
            line("r2", metrics.r2_score(y, p)),
            line("mae", metrics.mean_absolute_error(y, p)),
            line("mse", metrics.mean_squared_error(y, p)),
            line("rmse", metrics.mean_squared_error(y, p, squared=False)),
            line("target_mean", scaler.mean_), line("target_std", np.sqrt(scaler.var_)),
            line("targets_scaled", scaler.transform(y.reshape(-1, 1)).ravel()),
            "end"]


def reference():
    # zero_division's cases are the point here; sklearn warns of them.
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(11)
    out = [f"# sklearn {sklearn.__version__}, numpy {np.__version__}: tests/metrics/sklearn_reference.py"]
    # Binary, one logit a row (class 1 when > 0), imbalanced.
    logits = rng.normal(size=40) + 0.3
    y = (rng.random(40) < 0.35).astype(float)
    out += classification("binary_logits", 2, 1, logits, y)
    # Binary, two scores a row.
    out += classification("binary_scores", 2, 2, rng.normal(size=(30, 2)), (rng.random(30) < 0.5).astype(float))
    # Five classes, scores a row: class 4 neither a target nor predicted, class 3 predicted but never
    # a target, class 2 a target but never predicted.
    rows = 60
    y = rng.choice([0, 1, 2], size=rows).astype(float)
    scores = rng.normal(size=(rows, 5))
    scores[:, 4] -= 100  # never the largest
    scores[:, 2] -= 100
    scores[:, 3] += np.where(rng.random(rows) < 0.2, 100, -100)
    out += classification("multiclass_absent", 5, 5, scores, y)
    # Four classes, class indices as predictions; class 3 never a target.
    y = rng.choice([0, 1, 2], size=50).astype(float)
    pred = np.where(rng.random(50) < 0.6, y, rng.choice([0, 1, 2, 3], size=50)).astype(float)
    out += classification("multiclass_indices", 4, 1, pred, y)
    # Binary where class 1 is never predicted (precision's zero_division).
    out += classification("binary_never_positive", 2, 1, -np.abs(rng.normal(size=12)),
                          (rng.random(12) < 0.5).astype(float))
    # Regression: a target around 150 with spread 70 (diabetes-like), noisy predictions.
    y = 150 + 70 * rng.normal(size=80)
    out += regression("regression", y + 40 * rng.normal(size=80), y)
    out += regression("regression_small", [2.5, 0.0, 2.0, 8.0], [3.0, -0.5, 2.0, 7.0])
    return "\n".join(out) + "\n"


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    args = sys.argv[1:]
    if sklearn is None:
        print("sklearn_reference.py: scikit-learn is not installed (apt-get install python3-sklearn)",
              file=sys.stderr)
        return 77
    text = reference()
    if args[:1] == ["--compare"]:
        with open(args[1]) as f:
            old = f.read()
        # The first line names the versions; the numbers must agree.
        if old.split("\n", 1)[1] != text.split("\n", 1)[1]:
            print(f"sklearn_reference.py: {args[1]} differs from what sklearn computes now; "
                  "regenerate it with tests/metrics/sklearn_reference.py", file=sys.stderr)
            return 1
        print(f"sklearn_reference.py: {args[1]} matches sklearn {sklearn.__version__}")
        return 0
    path = args[0] if args else os.path.join(here, "sklearn_reference.txt")
    with open(path, "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
