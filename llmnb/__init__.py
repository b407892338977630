"""llmnb: large language models from zero, in notebooks.

Importing the package registers llmnb's model types (`llmnb-gpt`, `llmnb-bert`) with the `transformers` Auto classes,
so that `AutoModelForCausalLM.from_pretrained(folder)` and friends load folders saved by llmnb."""
__version__ = "0.0.1"

from . import gpt as _gpt, bert as _bert  # registration with the Auto classes happens on import
