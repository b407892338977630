#!/usr/bin/env bash
# GPU check (one short script): GPT-2-small shape (124 M, block 1024), bf16 + SDPA + torch.compile, single-GPU tokens/s and
# MFU through llmnb's fastai Learner; a 2-process DDP smoke run when there is more than one GPU. Target: MFU >= 40% on an H200.
# Run from the repository root on a machine with an NVIDIA GPU:  bash bench/gpu_check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || { echo "no NVIDIA GPU: nothing to check"; exit 1; }
python -c "import llmnb" 2>/dev/null || pip install -q -e .
export HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
python bench/gpu_check.py "$@" 2>&1 | grep -v -i "warn" | tee gpu_check.log
python - <<'PY'
import json
r = json.loads(open('gpu_check.log').read().strip().splitlines()[-1])
print(f"{r['gpu']}: {r['tokens_per_s']:,.0f} tokens/s, {r['ms_per_iter']:.1f} ms/iter, MFU {r['mfu']:.1%} (target >= 40% on H200)")
if r['ddp']: print(f"DDP, 2 processes: same weights {r['ddp']['same_weights']}, valid loss {r['ddp']['valid_loss']:.3f}")
PY
