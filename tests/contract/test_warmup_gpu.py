import pytest, asyncio, httpx, os, time
API_URL = os.getenv("LEARNING_V2_BASE_URL", "http://localhost:8000")

async def wait_ready(model_id, headers, timeout=120):
    async with httpx.AsyncClient() as c:
        t0 = time.time()
        while time.time() - t0 < timeout:
            r = await c.get(f"{API_URL}/warmup/status/{model_id}", headers=headers)
            if r.status_code == 200 and r.json().get("status") == "warmed":
                return True
            await asyncio.sleep(2)
    return False

@pytest.mark.asyncio
async def test_warmup_specific_gpu():
    model = "Qwen/Qwen3-0.6B"
    gpu_spec = "L40S"
    headers = {"X-GPU-Preference": gpu_spec}
    async with httpx.AsyncClient(timeout=10) as c:
        r = await c.post(f"{API_URL}/warmup/{model}", headers=headers)
        assert r.status_code == 200
        assert r.json()["status"] in {"warming", "warmed"}
    assert await wait_ready(model, headers)
