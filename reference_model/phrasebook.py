"""The words the template IEAT writer uses, per language: emotion names, the reply's tone, reply phrasings.

Kept apart from the construction logic (:mod:`reference_model.ieat`) so that adding a language or a
phrasing is a data change. Every emotion word here must normalise back to its label through
:func:`humdial_eval.emotions.normalise_emotion`, because thinking segments are parsed with it.
"""

from __future__ import annotations

import re

from humdial_eval.emotions import UnknownEmotionError, normalise_emotion

EMOTION_WORDS: dict[str, dict[str, str]] = {
    "en": {
        "neutral": "neutral", "happy": "happy", "sad": "sad", "anger": "angry",
        "fear": "afraid", "surprise": "surprised", "disgust": "disgusted",
    },
    "zh": {
        "neutral": "平静", "happy": "开心", "sad": "难过", "anger": "生气",
        "fear": "害怕", "surprise": "惊讶", "disgust": "厌恶",
    },
}

# The emotion a caring reply is spoken with, given the user's emotion: cheerful with joy, soft with
# sadness and fear, calm with anger and disgust. Three tones keep the voice contrast learnable.
REPLY_EMOTION: dict[str, str] = {
    "neutral": "neutral", "happy": "happy", "surprise": "happy", "sad": "sad",
    "fear": "sad", "anger": "neutral", "disgust": "neutral",
}
REPLY_EMOTIONS: tuple[str, ...] = ("neutral", "happy", "sad")

# Short empathetic replies keyed by the user's emotion; a variant is chosen per turn.
REPLIES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "happy": ("That's wonderful! I'm really happy for you.", "What great news, you deserve it!"),
        "surprise": ("Wow, what a surprise! How do you feel about it?", "No way, that's amazing news!"),
        "sad": ("I'm so sorry. That must hurt a lot.", "That sounds painful. I'm here with you."),
        "fear": ("That sounds scary. You're not alone in this.", "It's okay to be nervous. One step at a time."),
        "anger": ("That's really unfair. Your anger makes sense.", "Anyone would be upset. Let's think it through."),
        "disgust": ("Ugh, that sounds awful. Anyone would be put off.", "That's gross. I understand your reaction."),
        "neutral": ("Got it. Tell me more if you like.", "Okay, that sounds like a plan."),
    },
    "zh": {
        "happy": ("太好了！真为你高兴。", "好消息！这是你应得的。"),
        "surprise": ("哇，真没想到！你现在感觉怎么样？", "不会吧，太神奇了！"),
        "sad": ("我很难过听到这些，一定很痛吧。", "听起来真让人心疼，我在这里陪着你。"),
        "fear": ("听起来很吓人，你不是一个人。", "紧张是正常的，我们一步一步来。"),
        "anger": ("这真的很不公平，你生气是应该的。", "换谁都会生气，我们一起想想办法。"),
        "disgust": ("呃，听起来太糟糕了，谁都会反感。", "真恶心，我理解你的感受。"),
        "neutral": ("明白了，想多聊聊也可以。", "好的，听起来是个不错的安排。"),
    },
}

THINKING = {
    "en": "User is {emotion}. Cause: {cause}.",
    "zh": "用户很{emotion}。原因：{cause}。",
}
CHANGED_FROM = {"en": " (before: {emotion})", "zh": "（之前：{emotion}）"}
TRAJECTORY_REPLY = {
    "en": ("Your feelings went {path}.", " to ", "from "),
    "zh": ("你的情绪{path}。", "，然后变成", "从"),
}
REASON_REPLY = {
    "en": "I think you feel {emotion} because {cause}.",
    "zh": "我觉得你感到{emotion}，是因为{cause}。",
}

# First person -> third person (thinking is about the user) and -> second person (reply to the user).
_EN_THIRD = {"i": "they", "i'm": "they're", "me": "them", "my": "their", "mine": "theirs", "am": "are",
             "i've": "they've", "myself": "themselves", "was": "was", "i'd": "they'd"}
_EN_SECOND = {"i": "you", "i'm": "you're", "me": "you", "my": "your", "mine": "yours", "am": "are",
              "i've": "you've", "myself": "yourself", "i'd": "you'd"}
_EN_WORD = re.compile(r"[A-Za-z']+")


def emotion_word(emotion: str, language: str) -> str:
    return EMOTION_WORDS[language][emotion]


def shift_person(text: str, language: str, *, to: str) -> str:
    """Rewrite the user's first-person words for thinking (``to='third'``) or a reply (``'second'``).

    A word-level heuristic: right for the short statements it is used on, not a grammar.
    """
    if language == "zh":
        return text.replace("我", "用户" if to == "third" else "你")
    table = _EN_THIRD if to == "third" else _EN_SECOND

    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        return table.get(word.lower(), word)

    return _EN_WORD.sub(swap, text)


def parse_emotion(text: str) -> str | None:
    """The first emotion named in a thinking segment, as one of the seven labels; None if none is named."""
    best: tuple[int, str] | None = None
    for words in EMOTION_WORDS.values():
        for label, word in words.items():
            at = _find_word(text, word)
            if at >= 0 and (best is None or at < best[0]):
                best = (at, label)
    if best is not None:
        return best[1]
    for token in re.findall(r"[A-Za-z]+|[\u4e00-\u9fff]{2}", text):
        try:
            return normalise_emotion(token)
        except UnknownEmotionError:
            continue
    return None


def _find_word(text: str, word: str) -> int:
    if word.isascii():
        match = re.search(rf"\b{re.escape(word)}\b", text, flags=re.IGNORECASE)
        return match.start() if match else -1
    return text.find(word)

