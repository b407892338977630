#!/usr/bin/env python
"""Run transformers' own common model tests (`ModelTesterMixin`, `ConfigTester`) against every llmnb model class (GPT, BERT, the encoder–decoder, ViT).

The tests are those of the *installed* transformers version, taken from its source distribution on PyPI (`pip download
--no-binary :all: --no-deps transformers==<installed>`), never copied into this repository. Our code is the adapter
below: model testers with tiny configs, as transformers' own `tests/models/gpt2`, `tests/models/bert`, `tests/models/bart` and `tests/models/vit` write them.

The sdist ships `tests/test_modeling_common.py` and `tests/test_configuration_common.py` but not three modules they
import: `tests/generation/test_utils.py` (`GenerationTesterMixin`: the generate tests), `tests/exporters/test_export.py`
(`ExportTesterMixin`: the export tests) and `tests/utils/test_configuration_utils.py` (`config_common_kwargs`, one config
check). They are replaced by empty stand-ins, and what needed them is reported as skipped, never as passed.

    python tools/hf_suite.py [--workdir DIR] [-k EXPR]

The last line is JSON: {"transformers", "passed", "failed", "skipped", "subtests_passed", "subtests_failed", "skips": {reason: n}}
or {"unavailable": why} when the sdist cannot be downloaded (then nothing ran).
"""
import argparse, json, re, subprocess, sys, tarfile, tempfile
from collections import Counter
from pathlib import Path

ADAPTER = '''
import unittest
import torch
import llmnb   # registers our model types with the Auto classes
from llmnb.models.gpt import GPTConfig, GPTModel, GPTForCausalLM, GPTForSequenceClassification
from llmnb.models.bert import BERTConfig, BERTModel, BERTForMaskedLM, BERTForSequenceClassification
from llmnb.models.seq2seq import Seq2SeqConfig, Seq2SeqModel, Seq2SeqForConditionalGeneration
from llmnb.models.vit import ViTConfig, ViTModel, ViTForImageClassification
from transformers.models.auto import modeling_auto as ma
from .test_modeling_common import ModelTesterMixin, ids_tensor, floats_tensor, random_attention_mask
from .test_configuration_common import ConfigTester
from .generation import test_utils as generation_tests

# What transformers' own models have by being in its tree: their class names in the Auto mappings, which the suite
# reads to know a class's task (which labels to make, which base models to leave out of the training tests).
for mapping, names in ((ma.MODEL_MAPPING_NAMES, ('GPTModel', 'BERTModel')),
                       (ma.MODEL_FOR_CAUSAL_LM_MAPPING_NAMES, ('GPTForCausalLM', None)),
                       (ma.MODEL_FOR_MASKED_LM_MAPPING_NAMES, (None, 'BERTForMaskedLM')),
                       (ma.MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING_NAMES, ('GPTForSequenceClassification', 'BERTForSequenceClassification'))):
    for key, name in zip(('llmnb-gpt', 'llmnb-bert'), names):
        if name: mapping[key] = name
ma.MODEL_MAPPING_NAMES['llmnb-seq2seq'] = 'Seq2SeqModel'
ma.MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES['llmnb-seq2seq'] = 'Seq2SeqForConditionalGeneration'
ma.MODEL_MAPPING_NAMES['llmnb-vit'] = 'ViTModel'
ma.MODEL_FOR_IMAGE_CLASSIFICATION_MAPPING_NAMES['llmnb-vit'] = 'ViTForImageClassification'

class Tester:
    "Tiny configs and random inputs, as transformers' GPT2ModelTester and BertModelTester make them."
    def __init__(self, parent, config_class, batch_size=13, seq_length=7, vocab_size=99, hidden_size=32,
                 num_hidden_layers=2, num_attention_heads=4, num_labels=3, is_training=True):
        self.parent, self.config_class, self.batch_size, self.seq_length = parent, config_class, batch_size, seq_length
        self.vocab_size, self.hidden_size, self.num_hidden_layers = vocab_size, hidden_size, num_hidden_layers
        self.num_attention_heads, self.num_labels, self.is_training = num_attention_heads, num_labels, is_training
    def get_config(self):
        return self.config_class(vocab_size=self.vocab_size, block_size=64, n_layer=self.num_hidden_layers,
                                 n_head=self.num_attention_heads, n_embd=self.hidden_size, num_labels=self.num_labels,
                                 pad_token_id=0, bos_token_id=1, eos_token_id=2)
    def prepare_config_and_inputs_for_common(self):
        ids = ids_tensor([self.batch_size, self.seq_length], self.vocab_size)
        return self.get_config(), dict(input_ids=ids, attention_mask=random_attention_mask([self.batch_size, self.seq_length]))

class Common(ModelTesterMixin):
    config_class = None
    def setUp(self):
        self.model_tester = Tester(self, self.config_class)
        self.config_tester = ConfigTester(self, config_class=self.config_class, n_embd=37)
    def test_config(self):   # `ConfigTester.run_common_tests` but the check that needs the sdist's missing kwargs
        t = self.config_tester
        for check in (t.create_and_test_config_common_properties, t.create_and_test_config_to_json_string,
                      t.create_and_test_config_to_json_file, t.create_and_test_config_from_and_save_pretrained,
                      t.create_and_test_config_from_and_save_pretrained_subfolder,
                      t.create_and_test_config_from_and_save_pretrained_composite, t.create_and_test_config_with_num_labels,
                      t.create_and_test_config_from_pretrained_custom_kwargs, t.check_config_can_be_init_without_params):
            check()
    def test_config_arguments_init(self):
        self.skipTest('needs tests/utils/test_configuration_utils.py, which the sdist lacks')
    def test_generation_tester_mixin_inheritance(self):
        if getattr(generation_tests, 'STAND_IN', False):
            self.skipTest('tests/generation/test_utils.py is not in the sdist: no generate tests to inherit')
        super().test_generation_tester_mixin_inheritance()

class Seq2SeqTester(Tester):
    "Tiny encoder-decoder configs and random inputs, as transformers' BartModelTester makes them."
    def __init__(self, parent, config_class, **kw):
        super().__init__(parent, config_class, **kw)
        self.encoder_seq_length = self.decoder_seq_length = self.seq_length
    def get_config(self):
        return Seq2SeqConfig(vocab_size=self.vocab_size, max_position_embeddings=64, d_model=self.hidden_size,
                             encoder_layers=self.num_hidden_layers, decoder_layers=self.num_hidden_layers,
                             encoder_attention_heads=self.num_attention_heads, decoder_attention_heads=self.num_attention_heads,
                             encoder_ffn_dim=37, decoder_ffn_dim=37, pad_token_id=1, bos_token_id=0, eos_token_id=2)
    def prepare_config_and_inputs_for_common(self):
        ids = ids_tensor([self.batch_size, self.seq_length], self.vocab_size).clamp(3); ids[:, -1] = 2
        dec = ids_tensor([self.batch_size, self.seq_length], self.vocab_size).clamp(3)
        return self.get_config(), dict(input_ids=ids, attention_mask=ids.ne(1), decoder_input_ids=dec, decoder_attention_mask=dec.ne(1))

class Seq2SeqTest(Common, unittest.TestCase):
    config_class, all_model_classes, is_encoder_decoder = Seq2SeqConfig, (Seq2SeqModel, Seq2SeqForConditionalGeneration), True
    def setUp(self):
        self.model_tester = Seq2SeqTester(self, Seq2SeqConfig)
        self.config_tester = ConfigTester(self, config_class=Seq2SeqConfig, d_model=40)

class ViTTester(Tester):
    "Tiny image configs and random pixels, as transformers' ViTModelTester makes them: 30-pixel images in patches of 2, [CLS] first."
    def __init__(self, parent, config_class, image_size=30, patch_size=2, num_channels=3, **kw):
        super().__init__(parent, config_class, **kw)
        self.image_size, self.patch_size, self.num_channels = image_size, patch_size, num_channels
        self.seq_length = (image_size // patch_size) ** 2 + 1
    def get_config(self):
        return ViTConfig(image_size=self.image_size, patch_size=self.patch_size, num_channels=self.num_channels, n_layer=self.num_hidden_layers,
                         n_head=self.num_attention_heads, n_embd=self.hidden_size, n_inner=37, num_labels=self.num_labels)
    def prepare_config_and_inputs_for_common(self):
        return self.get_config(), dict(pixel_values=floats_tensor([self.batch_size, self.num_channels, self.image_size, self.image_size]))

class ViTTest(Common, unittest.TestCase):
    config_class, all_model_classes = ViTConfig, (ViTModel, ViTForImageClassification)
    test_resize_embeddings = False   # patches, not a vocabulary (as HF's ViT)
    def setUp(self):
        self.model_tester = ViTTester(self, ViTConfig)
        self.config_tester = ConfigTester(self, config_class=ViTConfig, n_embd=37, has_text_modality=False)
    def test_model_get_set_embeddings(self):   # the input embedding is the patch projection, not an `nn.Embedding` (HF's ViT tests say the same)
        config, _ = self.model_tester.prepare_config_and_inputs_for_common()
        for cls in self.all_model_classes:
            m = cls(config)
            self.assertIsInstance(m.get_input_embeddings(), torch.nn.Module)
            self.assertIsNone(m.get_output_embeddings())

class GPTTest(Common, unittest.TestCase):
    config_class, all_model_classes = GPTConfig, (GPTModel, GPTForCausalLM, GPTForSequenceClassification)

class BERTTest(Common, unittest.TestCase):
    config_class, all_model_classes = BERTConfig, (BERTModel, BERTForMaskedLM, BERTForSequenceClassification)
'''

STAND_INS = {
    'generation/test_utils.py': 'STAND_IN = True\nclass GenerationTesterMixin: "Stand-in: not in the sdist"\n',
    'exporters/test_export.py': 'class ExportTesterMixin: "Stand-in: not in the sdist"\n',
    'utils/test_configuration_utils.py': 'config_common_kwargs = None   # stand-in: not in the sdist (its one use is skipped)\n',
}

def fetch(version:str, workdir:Path)->Path:
    "The sdist's `tests/` folder for `version`, downloaded and unpacked once into `workdir`."
    tests = workdir/f'transformers-{version}'/'tests'
    if (tests/'test_modeling_common.py').exists(): return tests
    workdir.mkdir(parents=True, exist_ok=True)
    r = subprocess.run([sys.executable, '-m', 'pip', 'download', '--no-binary', ':all:', '--no-deps', '--no-build-isolation',
                        f'transformers=={version}', '-d', str(workdir)], capture_output=True, text=True, timeout=600)
    sdist = workdir/f'transformers-{version}.tar.gz'
    if not sdist.exists(): raise RuntimeError(f'pip download of the transformers {version} sdist failed: ' + (r.stderr.strip().splitlines() or ['?'])[-1])
    with tarfile.open(sdist) as tf:
        tf.extractall(workdir, members=[m for m in tf.getmembers() if m.name.startswith(f'transformers-{version}/tests/')], filter='data')
    return tests

def prepare(tests:Path)->Path:
    "Add the stand-ins the sdist lacks and our adapter; returns the adapter's test file."
    (tests/'__init__.py').touch()
    for rel, text in STAND_INS.items():
        f = tests/rel
        if not f.exists(): f.parent.mkdir(exist_ok=True); (f.parent/'__init__.py').touch(); f.write_text(text)
    f = tests/'test_llmnb_models.py'
    f.write_text(ADAPTER)
    return f

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--workdir', default=str(Path(tempfile.gettempdir())/'llmnb-transformers-tests'))
    p.add_argument('-k', default=None, help='pytest -k expression')
    a = p.parse_args()
    import transformers
    v = transformers.__version__
    try: tests = fetch(v, Path(a.workdir))
    except Exception as e:
        print(json.dumps(dict(transformers=v, unavailable=str(e)))); return
    f = prepare(tests)
    cmd = [sys.executable, '-m', 'pytest', '-q', '-rs', '-p', 'no:cacheprovider', str(f)] + (['-k', a.k] if a.k else [])
    r = subprocess.run(cmd, cwd=tests.parent, capture_output=True, text=True)
    out = r.stdout
    tail = out.strip().splitlines()[-1] if out.strip() else r.stderr[-2000:]
    if 'FAIL' in out or r.returncode not in (0, 5): print(out[-20000:])
    count = lambda w: int(m[1]) if (m := re.search(rf'(\d+) {w}', tail)) else 0
    skips = Counter()
    for m in re.finditer(r'^SKIPPED \[(\d+)\] [^:]+:\d+: (.*)$', out, re.M): skips[m[2]] += int(m[1])
    print(tail)
    print(json.dumps(dict(transformers=v, passed=count('passed'), failed=count('failed'), skipped=count('skipped'),
                          subtests_passed=count('subtests passed'), subtests_failed=count('subtests failed'),
                          errors=count('error'), skips=dict(skips.most_common()))))

if __name__ == '__main__': main()
