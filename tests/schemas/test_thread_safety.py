"""pyld keeps processed contexts in module-level LRU caches shared by every thread; verifying
in several threads at once (as a threaded server does) must give the answers one thread gives."""

import json
import threading
from pathlib import Path

from schemas import canonicalize, check_compact_form, check_safe_mode

CORPUS = Path(__file__).parents[1] / "vectors" / "1edtech-validator-corpus" / "samples"
DOCUMENTS = [
    json.loads(path.read_text())
    for path in sorted(CORPUS.glob("*.json"))
    if "err-context" not in path.name
]


def _answers(document: dict) -> tuple:
    unsigned = {key: value for key, value in document.items() if key != "proof"}
    return check_safe_mode(document), check_compact_form(document), canonicalize(unsigned)


def test_json_ld_processing_in_many_threads_gives_single_threaded_answers():
    expected = [_answers(document) for document in DOCUMENTS]
    mismatches: list[str] = []
    start = threading.Barrier(8)

    def work(offset: int) -> None:
        start.wait()
        for _ in range(4):
            for index in range(offset % 4, len(DOCUMENTS), 4):
                try:
                    answer = _answers(DOCUMENTS[index])
                except Exception as error:  # any error is the failure being tested
                    mismatches.append(f"{index}: {error!r}")
                    continue
                if answer != expected[index]:
                    mismatches.append(f"{index}: {answer[:2]}")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert mismatches == []
