"""Small built-in items: templates are test-rendered on them when a judge is built, and the endpoint
probe sends them. They are ours, written for this purpose, and contain nothing from the test set."""

from __future__ import annotations

from humdial_eval.benchmark.items import ContextTurn, EvalItem

_CONTEXT = (
    ContextTurn(1, "I finally finished the marathon I trained a year for!", "happy", "Congratulations, what an achievement!"),
    ContextTurn(2, "But my knee hurts badly now and the doctor wants a scan.", "fear", "That sounds worrying; I hope it's minor."),
)


def sample_item(task_id: str) -> EvalItem:
    """An English item for ``task_id`` whose final reply is a reasonable, ordinary answer."""
    questions = {
        "T1": ("Can you tell me how my feelings changed during our talk?", "neutral",
               "You began overjoyed at finishing the marathon, then grew afraid when your knee started hurting "
               "and the doctor asked for a scan. Waiting for results is hard; try to rest until you know more."),
        "T2": ("Why am I so upset about this?", "sad",
               "You trained for a whole year, so the knee pain threatens something you care about deeply: "
               "your sense of being strong and able to keep running."),
    }
    question, emotion, reply = questions.get(
        task_id,
        ("The scan came back and I need surgery. I feel so down.", "sad",
         "I'm really sorry. After all that training this is a heavy blow, and it's okay to feel low. "
         "Surgery is a step toward running again; I'm here if you want to talk it through."),
    )
    return EvalItem(
        task=task_id,
        language="en",
        dialogue_id=f"probe_{task_id.lower()}",
        turn_id=3,
        context=_CONTEXT,
        question=question,
        question_emotion=emotion,
        response_text=reply,
    )
