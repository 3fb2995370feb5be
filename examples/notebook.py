# %% [markdown]
# # rolecall from a notebook
#
# Interview two personas, read the results as DataFrames, plot them, and compare the two.
# This is a percent-format script: open it in Jupyter or VS Code as a notebook, or run it with
# `python examples/notebook.py`. It uses the embedded model by default (`make demo` installs it);
# `ROLECALL_EXAMPLE_MODEL` points it at another model spec.

# %%
import os
from pathlib import Path

import matplotlib

if "ipykernel" not in os.environ.get("MPLBACKEND", "") and not os.environ.get("JPY_PARENT_PID"):
    matplotlib.use("Agg")  # a plain `python` run has no display; Jupyter keeps its inline backend
import matplotlib.pyplot as plt

import rolecall

MODEL = os.environ.get("ROLECALL_EXAMPLE_MODEL", "local")
JUDGE = os.environ.get("ROLECALL_EXAMPLE_JUDGE", "semantic")
INSTRUMENT = os.environ.get("ROLECALL_EXAMPLE_INSTRUMENT") or None  # None: the persona's own
ITEMS = int(os.environ.get("ROLECALL_EXAMPLE_ITEMS", "2"))  # items per dimension: a quick look
OUT = Path(os.environ.get("ROLECALL_EXAMPLE_OUT", "runs/notebook"))
PERSONAS = Path(os.environ.get("ROLECALL_EXAMPLE_PERSONAS", Path("examples") / "personas"))

# %% [markdown]
# ## Run a persona
# `rolecall.run` is `rolecall run` as a function, with the same defaults. In a notebook it
# shows the dimension table with intervals and the hypothesis verdict. (`await rolecall.arun(...)`
# is the async twin.)

# %%
research = rolecall.run(
    PERSONAS / "ml-engineer.md", INSTRUMENT, model=MODEL, judges=JUDGE, items=ITEMS, out=OUT, track=False
)
research  # noqa: B018 (a notebook shows the last expression of a cell)

# %% [markdown]
# ## As DataFrames
# One row per dimension, and one per verdict (the columns of `rolecall export`).

# %%
dims = research.dimensions_df()
scores = research.scores_df()
print(dims[["name", "mean", "interval", "n", "verdict"]].to_string(index=False))
print(scores.groupby("dimension")["score"].describe()[["count", "mean", "min", "max"]])

# %% [markdown]
# ## Plot the means with their 95% intervals

# %%
fig, ax = plt.subplots(figsize=(7, 3))
scored = dims.dropna(subset=["mean"])
ax.errorbar(
    scored["mean"],
    scored["name"],
    xerr=[scored["mean"] - scored["ci_low"], scored["ci_high"] - scored["mean"]],
    fmt="o",
    capsize=4,
)
ax.set_xlim(1, 5)
ax.set_xlabel("score (1 = production-first, 5 = research-first)")
ax.set_title(research.summary_data["persona"])
fig.tight_layout()
fig.savefig(OUT / "dimensions.png")

# %% [markdown]
# ## Compare with a contrasting persona
# Paired permutation tests over items, Holm across dimensions, Cliff's delta: `rolecall compare`.

# %%
production = rolecall.run(
    PERSONAS / "platform-sre.md", INSTRUMENT, model=MODEL, judges=JUDGE, items=ITEMS, out=OUT, track=False
)
comparison = rolecall.compare(production, research, out=OUT / "compare")
print(comparison.dimensions_df()[["dimension", "mean_a", "mean_b", "diff", "p_holm", "cliffs_delta"]])
comparison  # noqa: B018
