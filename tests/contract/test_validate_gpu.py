import httpx, os
API_URL = os.getenv("LEARNING_V2_BASE_URL", "http://localhost:8000")

def test_validate():
    payload = {"model": "Qwen/Qwen3-0.6B", "gpu": "A10G", "task_type": "inference"}
    r = httpx.post(f"{API_URL}/v1/capabilities/validate", json=payload)
    assert r.status_code == 200
    assert r.json()["valid"] is True
