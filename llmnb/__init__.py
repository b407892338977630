"""llmnb: large language models from zero, in notebooks.

Importing the package registers llmnb's model types (`llmnb-gpt`, `llmnb-bert`, `llmnb-seq2seq`) with the `transformers` Auto classes,
so that `AutoModelForCausalLM.from_pretrained(folder)` and friends load folders saved by llmnb."""
__version__ = "0.0.1"

from . import gpt as _gpt, bert as _bert, seq2seq as _seq2seq  # registration with the Auto classes (and the text2text pipeline) happens on import
