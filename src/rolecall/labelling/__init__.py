"""Rating a run's answers in the browser: a blind, stratified, resumable sample (``rolecall label``)."""

from rolecall.labelling.sample import LabelTask, label_tasks

__all__ = ["LabelTask", "label_tasks"]
