"""The words the template IEAT writer uses, per language: emotion names, the reply's tone, reply phrasings.

Kept apart from the construction logic (:mod:`humdial_eval.reference_model.ieat`) so that adding a language or a
phrasing is a data change. Every emotion word here must normalise back to its label through
:func:`humdial_eval.benchmark.emotions.normalise_emotion`, because thinking segments are parsed with it.
"""

from __future__ import annotations

import re

from humdial_eval.benchmark.emotions import UnknownEmotionError, normalise_emotion

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

# Empathetic replies keyed by the user's emotion; ``{cause}`` is the cause in the second person. A
# variant is chosen per turn, so the same situation is answered in more than one way.
REPLIES: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "happy": ("That's wonderful, {cause}! I'm really happy for you.", "What great news: {cause}. You deserve it!",
                  "I love hearing that {cause}. Enjoy every bit of it!"),
        "surprise": ("Wow, {cause}? What a surprise!", "No way, {cause}! How do you feel about it?",
                     "That's unexpected: {cause}. Tell me more!"),
        "sad": ("I'm so sorry that {cause}. That must hurt a lot.", "That sounds painful: {cause}. I'm here with you.",
                "Oh no, {cause}. Take all the time you need."),
        "fear": ("It's natural to feel nervous when {cause}. You're not alone.",
                 "That sounds scary: {cause}. Let's take it one step at a time.",
                 "I understand the worry, {cause}. Breathe slowly, I'm here."),
        "anger": ("It's really unfair that {cause}. Your anger makes sense.",
                  "Anyone would be upset that {cause}. Let's think it through.", "I hear you: {cause}. That's not okay."),
        "disgust": ("Ugh, {cause}? That sounds awful.", "That's revolting: {cause}. Anyone would be put off.",
                    "Yuck, {cause}. I understand your reaction."),
        "neutral": ("Okay, {cause}. Tell me more if you like.", "Got it: {cause}. Anything I can help with?",
                    "I see, {cause}. How do you feel about it?"),
    },
    "zh": {
        "happy": ("太好了，{cause}！真为你高兴。", "好消息：{cause}，这是你应得的！", "听到{cause}，我也很开心，好好享受吧！"),
        "surprise": ("哇，{cause}？真没想到！", "不会吧，{cause}！你现在感觉怎么样？", "真意外：{cause}，快跟我说说！"),
        "sad": ("听到{cause}，我很难过，一定很痛吧。", "{cause}，真让人心疼，我在这里陪着你。", "唉，{cause}，慢慢来，不用着急。"),
        "fear": ("{cause}，紧张是正常的，你不是一个人。", "听起来很吓人：{cause}，我们一步一步来。", "我理解你的担心，{cause}，慢慢呼吸，我在。"),
        "anger": ("{cause}，这真的很不公平，你生气是应该的。", "换谁都会生气，{cause}，我们一起想想办法。", "我明白，{cause}，这太过分了。"),
        "disgust": ("呃，{cause}？听起来太糟糕了。", "{cause}，真恶心，谁都会反感。", "太让人反胃了，{cause}，我理解你的感受。"),
        "neutral": ("好的，{cause}，想多聊聊也可以。", "明白了：{cause}，需要我帮忙吗？", "知道了，{cause}，你觉得怎么样？"),
    },
}

THINKING = {
    "en": "User is {emotion}{cues}. Cause: {cause}.",
    "zh": "用户很{emotion}{cues}。原因：{cause}。",
}
CUES = {"en": "; {cues}", "zh": "，{cues}"}
# The cause of a request to review the conversation (end of T1), in the user's first person.
TRAJECTORY_CAUSE = {"en": "I want to look back on how my feelings changed", "zh": "我想回顾自己的情绪变化"}
CHANGED_FROM = {"en": " (before: {emotion})", "zh": "（之前：{emotion}）"}
TRAJECTORY_REPLY = {
    "en": (("Your feelings went {path}.", "Looking back, you went {path}."), " to ", "from "),
    "zh": (("你的情绪{path}。", "回顾下来，你的心情{path}。"), "，然后变成", "从"),
}
REASON_REPLY = {
    "en": ("I think you feel {emotion} because {cause}.", "You seem {emotion}, mostly because {cause}."),
    "zh": ("我觉得你感到{emotion}，是因为{cause}。", "你感到{emotion}，主要是因为{cause}。"),
}

# First person -> third person (thinking is about the user) and -> second person (reply to the user).
_EN_THIRD = {"i": "they", "i'm": "they're", "me": "them", "my": "their", "mine": "theirs", "am": "are",
             "i've": "they've", "myself": "themselves", "i'd": "they'd"}
_EN_SECOND = {"i": "you", "i'm": "you're", "me": "you", "my": "your", "mine": "yours", "am": "are",
              "i've": "you've", "myself": "yourself", "i'd": "you'd"}
_EN_WORD = re.compile(r"[A-Za-z']+")
_EN_I_WAS = re.compile(r"\b(I) was\b")


def emotion_word(emotion: str, language: str) -> str:
    return EMOTION_WORDS[language][emotion]


def shift_person(text: str, language: str, *, to: str) -> str:
    """Rewrite the user's first-person words for thinking (``to='third'``) or a reply (``'second'``).

    A word-level heuristic: right for the short statements it is used on, not a grammar.
    """
    if language == "zh":
        return text.replace("我", "用户" if to == "third" else "你")
    table = _EN_THIRD if to == "third" else _EN_SECOND
    # 'I was' needs the plural verb once 'I' becomes 'they' or 'you' ("they were", not "they was").
    text = _EN_I_WAS.sub("they were" if to == "third" else "you were", text)

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


def parse_emotions(text: str) -> list[str]:
    """Every emotion named in ``text``, as labels in the order they are named (a trajectory summary's path)."""
    found: list[tuple[int, str]] = []
    for words in EMOTION_WORDS.values():
        for label, word in words.items():
            if word.isascii():
                found.extend((m.start(), label) for m in re.finditer(rf"\b{re.escape(word)}\b", text, flags=re.IGNORECASE))
            else:
                found.extend((m.start(), label) for m in re.finditer(re.escape(word), text))
    return [label for _, label in sorted(found)]


def _find_word(text: str, word: str) -> int:
    if word.isascii():
        match = re.search(rf"\b{re.escape(word)}\b", text, flags=re.IGNORECASE)
        return match.start() if match else -1
    return text.find(word)

