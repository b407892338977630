"""llmnb: large language models from zero, in notebooks.

Importing the package registers llmnb's model types (`llmnb-gpt`, `llmnb-bert`, `llmnb-seq2seq`, `llmnb-vit`, `llmnb-yolos`,
`llmnb-detr`, `llmnb-timesformer`) with the `transformers` Auto classes, so that `AutoModelForCausalLM.from_pretrained(folder)`,
`pipeline('object-detection', model=folder)` and friends load folders saved by llmnb."""
__version__ = "0.1.0"

import os as _os, signal as _signal, sys as _sys

def _script()->str|None:
    "The name of the llmnb console script (`llmnb-pretrain`, ...) this process runs, if it runs one; None in a library user's process."
    main = _sys.modules.get('__main__')
    f, argv0 = getattr(main, '__file__', None), (_sys.argv[0] if _sys.argv else '')
    name = _os.path.basename(argv0).removesuffix('.exe')
    return name if name.startswith('llmnb-') and f and _os.path.abspath(f) == _os.path.abspath(argv0) else None

def _starting(signum, frame):
    "SIGINT/SIGTERM before the command has set its own handlers (importing PyTorch takes seconds): one line, the shell's exit code, no traceback."
    try: _sys.stdout.flush()
    except Exception: pass
    _os.write(2, f'{_script()}: interrupted ({_signal.Signals(signum).name}) while starting\n'.encode())
    _os._exit(128 + signum)   # at once: an exception here could be caught and dropped by the library being imported

if _script() and _signal.getsignal(_signal.SIGINT) is _signal.default_int_handler:   # a console script's first import: the command's `core.command` takes over
    _signal.signal(_signal.SIGINT, _starting); _signal.signal(_signal.SIGTERM, _starting)

from .models import gpt as _gpt, bert as _bert, seq2seq as _seq2seq  # registration with the Auto classes (and the text2text pipeline) happens on import
from .models import vit as _vit, yolos as _yolos, detr as _detr, timesformer as _timesformer

def __getattr__(name:str):
    "`llmnb.estimate` (what a training run will cost: `llmnb.train.estimate.estimate`), imported when first asked for: `import llmnb` stays light."
    if name == 'estimate':
        from .train.estimate import estimate
        return estimate
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')
