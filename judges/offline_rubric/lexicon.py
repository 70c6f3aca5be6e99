"""Word lists behind the offline rubric judge, in English and Chinese.

Everything the offline judge knows is here, so a reader can see exactly why a reply scored as it did.
Entries are lower-case; English entries match whole words (with simple inflections), Chinese ones
match as substrings.
"""

from __future__ import annotations

EMOTION_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "neutral": ("neutral", "calm", "composed", "indifferent", "matter-of-fact", "even-keeled"),
        "happy": (
            "happy", "happiness", "glad", "joy", "joyful", "delighted", "excited", "excitement", "thrilled",
            "cheerful", "pleased", "elated", "overjoyed", "content", "proud",
        ),
        "sad": (
            "sad", "sadness", "unhappy", "depressed", "heartbroken", "grief", "grieving", "sorrow", "down",
            "disappointed", "disappointment", "hurt", "lonely", "loneliness", "gloomy", "miserable", "low",
        ),
        "anger": (
            "angry", "anger", "mad", "furious", "fury", "annoyed", "annoyance", "irritated", "frustrated",
            "frustration", "rage", "outraged", "resentful", "resentment", "livid",
        ),
        "fear": (
            "afraid", "fear", "fearful", "scared", "anxious", "anxiety", "worried", "worry", "nervous",
            "frightened", "terrified", "panic", "panicked", "uneasy", "dread", "apprehensive",
        ),
        "surprise": (
            "surprised", "surprise", "surprising", "shocked", "shock", "astonished", "amazed", "stunned",
            "startled", "unexpected", "caught off guard",
        ),
        "disgust": (
            "disgusted", "disgust", "disgusting", "gross", "grossed out", "revolted", "repulsed", "repelled",
            "sickened", "nauseated", "appalled",
        ),
    },
    "zh": {
        "neutral": ("平静", "中性", "冷静", "平和", "淡定"),
        "happy": ("开心", "高兴", "快乐", "喜悦", "兴奋", "愉快", "欣喜", "欢喜", "满足", "幸福", "骄傲", "自豪"),
        "sad": ("难过", "伤心", "悲伤", "失落", "沮丧", "低落", "心痛", "委屈", "失望", "孤独", "难受", "痛苦"),
        "anger": ("生气", "愤怒", "恼火", "气愤", "烦躁", "火大", "恼怒", "不满", "气坏"),
        "fear": ("害怕", "恐惧", "担心", "焦虑", "紧张", "不安", "惊恐", "恐慌", "忐忑"),
        "surprise": ("惊讶", "意外", "吃惊", "震惊", "惊奇", "没想到", "诧异"),
        "disgust": ("厌恶", "恶心", "反感", "嫌弃", "讨厌", "作呕"),
    },
}

NEGATIONS: dict[str, tuple[str, ...]] = {
    "en": ("not", "no", "never", "n't", "without", "hardly"),
    "zh": ("不", "没", "别", "无"),
}

# Words that tie a feeling to its trigger.
CAUSAL_MARKERS: dict[str, tuple[str, ...]] = {
    "en": ("because", "since", "due to", "after", "when", "as a result", "the reason", "which made", "that made", "so"),
    "zh": ("因为", "由于", "之后", "当", "所以", "导致", "让你", "使你", "原因"),
}

# Words that reach past the trigger to a need, fear or value at stake.
ROOT_CAUSE_MARKERS: dict[str, tuple[str, ...]] = {
    "en": (
        "underlying", "root", "deep down", "deeper", "stems from", "comes from", "at its core", "need for",
        "need to feel", "sense of", "security", "control", "respect", "recognition", "belonging", "valued",
        "fear of", "worth", "trust", "expectation", "expectations",
    ),
    "zh": (
        "根源", "深层", "本质", "源于", "归根", "其实", "内心", "安全感", "控制感", "被认可", "认可", "尊重",
        "价值", "归属", "信任", "期待", "期望", "在乎",
    ),
}

SUGGESTION_MARKERS: dict[str, tuple[str, ...]] = {
    "en": (
        "you could", "you might", "try", "consider", "it may help", "it might help", "maybe", "perhaps",
        "how about", "next step", "would it help", "take a", "talk to", "reach out",
    ),
    "zh": ("建议", "可以试试", "不妨", "也许", "或许", "试着", "可以考虑", "下一步", "找人聊聊", "要不要", "你可以"),
}

REFLECTION_MARKERS: dict[str, tuple[str, ...]] = {
    "en": (
        "it sounds like", "it seems", "pattern", "shows", "natural", "understandable", "makes sense",
        "it's okay", "it is okay", "normal", "shows how much", "says a lot", "part of why",
    ),
    "zh": ("说明", "看得出", "可以理解", "很正常", "这很自然", "听起来", "似乎", "看起来", "正说明"),
}

VALIDATION_MARKERS: dict[str, tuple[str, ...]] = {
    "en": (
        "understandable", "makes sense", "no wonder", "of course you", "anyone would", "it's okay to",
        "it is okay to", "valid", "i can see why", "i understand", "that must be", "must have been",
        "completely normal", "perfectly normal", "it's clear how much",
    ),
    "zh": ("难怪", "可以理解", "很正常", "换作是谁", "我理解", "我明白", "一定很", "确实很", "辛苦了"),
}

SUPPORT_MARKERS: dict[str, tuple[str, ...]] = {
    "en": ("i'm here", "i am here", "with you", "you're not alone", "you are not alone", "support", "together"),
    "zh": ("我在", "陪着你", "陪你", "不是一个人", "支持你", "一起", "照顾好自己"),
}

DISMISSIVE_MARKERS: dict[str, tuple[str, ...]] = {
    "en": ("calm down", "get over it", "no big deal", "stop worrying", "don't be so", "whatever", "just relax"),
    "zh": ("别想太多", "想开点", "没什么大不了", "至于吗", "别矫情", "算了吧"),
}

CONNECTIVES: dict[str, tuple[str, ...]] = {
    "en": ("first", "then", "so", "therefore", "which", "because", "but", "also", "finally", "that is why"),
    "zh": ("首先", "然后", "所以", "因此", "但是", "而且", "最后", "因为", "其次"),
}

STOPWORDS_EN: frozenset[str] = frozenset(
    """a about above after again against all am an and any are as at be because been before being below between
    both but by can could did do does doing down during each few for from further had has have having he her here
    hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of
    off on once only or other our ours ourselves out over own same she should so some such than that the their
    theirs them themselves then there these they this those through to too under until up very was we were what
    when where which while who whom why will with would you your yours yourself yourselves really feel feeling
    felt think know like get got make made much many also still even well just one thing things way today now
    right going went want wanted said say tell told sure yeah oh okay lot bit""".split()
)

STOP_CHARS_ZH: frozenset[str] = frozenset("的了是我你他她它们在有和就不也都很吗呢吧啊呀嘛这那个一上下说要会到着过得地把被让给对")
