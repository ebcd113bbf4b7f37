# The spec's test A (tests/dev/learning_v2/test_gpu_override_v2.py), ported.
# The original monkeypatched the Python InferenceRouter.get_gpu_function to record which
# GPU was chosen. A TypeScript router cannot be monkeypatched from Python, so the harness
# (contract.test.ts) runs one real upstream test server per GPU pool, each answering
# "served-by:<its GPU>": the pool the upstream saw is the GPU the router chose.
import pytest, asyncio, httpx, os
API_URL = os.getenv("LEARNING_V2_BASE_URL", "http://localhost:8000")

@pytest.mark.parametrize("gpu_spec", ["L40S", "A100", "H100:2"])
async def test_gpu_override(gpu_spec):
    headers = {"X-GPU-Preference": gpu_spec}
    payload = {"model": "Qwen/Qwen3-0.6B", "messages": [{"role": "user", "content": "hi"}]}
    async with httpx.AsyncClient(timeout=30) as c:
        r = await c.post(f"{API_URL}/chat/completions", json=payload, headers=headers)
    assert r.status_code == 200
    chosen = r.json()["choices"][0]["message"]["content"].removeprefix("served-by:")
    assert chosen == gpu_spec  # router honoured the preference
    assert r.json()["system_fingerprint"]["selected_gpu"] == gpu_spec
