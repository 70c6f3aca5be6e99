"""What the synthetic users say: bilingual events per emotion and the closing questions of T1 and T2.

Dialogues are drawn from these lists with a seeded generator, so the same seed gives the same data.
The shapes follow the benchmark: T1 ends with a request to summarise the emotional trajectory, T2
with a question about the cause of the feeling, T3 holds at least two emotional (non-neutral) turns.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from humdial_eval.benchmark.emotions import EMOTIONS

EVENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "happy": ("I got the job offer I was hoping for", "my sister is coming home for the holidays",
                  "my paper was accepted", "I finally finished the marathon"),
        "sad": ("my old dog passed away last night", "my best friend is moving abroad",
                "I failed the exam I studied for all month", "nobody came to my birthday dinner"),
        "anger": ("my landlord kept my deposit for no reason", "a colleague took credit for my work",
                  "the airline lost my luggage again", "someone scratched my car and drove off"),
        "fear": ("I have a medical test tomorrow", "I heard strange noises outside my window",
                 "my company announced layoffs", "I have to give a speech to the whole school"),
        "surprise": ("my parents showed up at my door", "I won a raffle I forgot I entered",
                     "my shy brother just got engaged", "the new hire is the boss's daughter"),
        "disgust": ("I found hair in my soup", "my roommate left rotten food in the fridge",
                    "the mayor lied on live television", "the train toilet was filthy"),
        "neutral": ("I need to buy groceries after work", "I am planning my schedule for next week",
                    "the meeting was moved to Thursday", "I am reading a book about history"),
    },
    "zh": {
        "happy": ("我拿到了一直想要的工作", "我姐姐放假要回家了", "我的论文被录用了", "我终于跑完了马拉松"),
        "sad": ("我的老狗昨晚去世了", "我最好的朋友要出国了", "我准备了一个月的考试没通过", "生日晚餐没有一个人来"),
        "anger": ("房东无缘无故扣了我的押金", "同事抢了我的功劳", "航空公司又把我的行李弄丢了", "有人刮了我的车就跑了"),
        "fear": ("我明天要做一个医学检查", "我听到窗外有奇怪的声音", "公司宣布要裁员了", "我要在全校面前演讲"),
        "surprise": ("我爸妈突然出现在我家门口", "我中了一个早就忘了的抽奖", "我害羞的弟弟居然订婚了", "新来的同事原来是老板的女儿"),
        "disgust": ("我在汤里发现了头发", "室友把烂掉的食物放在冰箱里", "那个官员在直播里撒谎", "火车上的厕所脏得要命"),
        "neutral": ("我下班后要去买菜", "我在安排下周的日程", "会议改到了周四", "我在读一本历史书"),
    },
}

OPENERS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {
        "happy": ("Guess what", "I'm thrilled"), "sad": ("I feel so low", "It's been hard"),
        "anger": ("I'm furious", "Unbelievable"), "fear": ("I'm really scared", "I'm so nervous"),
        "surprise": ("You won't believe it", "Wow"), "disgust": ("Gross", "That was revolting"),
        "neutral": ("Just so you know", "By the way"),
    },
    "zh": {
        "happy": ("太好了", "告诉你个好消息"), "sad": ("我心里很难受", "最近好难过"),
        "anger": ("气死我了", "太过分了"), "fear": ("我好害怕", "我特别紧张"),
        "surprise": ("你绝对想不到", "天哪"), "disgust": ("太恶心了", "真让人反胃"),
        "neutral": ("跟你说一下", "顺便提一句"),
    },
}

TRAJECTORY_QUESTIONS = {
    "en": ("Looking back at our chat, how have my feelings changed?", "Can you sum up how my mood shifted today?"),
    "zh": ("回顾我们的对话，我的情绪是怎么变化的？", "你能总结一下我今天的心情变化吗？"),
}
REASON_QUESTIONS = {
    "en": ("Why do you think I feel this way?", "What is really behind my feelings?"),
    "zh": ("你觉得我为什么会有这种感觉？", "我这种情绪背后的原因是什么？"),
}


@dataclass(frozen=True)
class ScriptTurn:
    text: str
    emotion: str


def utterance(language: str, emotion: str, rng: random.Random) -> str:
    opener = rng.choice(OPENERS[language][emotion])
    event = rng.choice(EVENTS[language][emotion])
    return f"{opener}, {event}." if language == "en" else f"{opener}，{event}。"


def draw_dialogue(language: str, task: str, rng: random.Random) -> list[ScriptTurn]:
    """One dialogue of 3 to 5 user turns with the shape of ``task`` (T1, T2 or T3)."""
    n_turns = rng.randint(3, 5)
    if task == "T3":
        emotions = [rng.choice(EMOTIONS) for _ in range(n_turns)]
        emotional = [e for e in EMOTIONS if e != "neutral"]
        while sum(e != "neutral" for e in emotions) < 2:
            emotions[rng.randrange(n_turns)] = rng.choice(emotional)
        return [ScriptTurn(utterance(language, e, rng), e) for e in emotions]
    events = [rng.choice(EMOTIONS) for _ in range(n_turns - 1)]
    turns = [ScriptTurn(utterance(language, e, rng), e) for e in events]
    if task == "T1":
        turns.append(ScriptTurn(rng.choice(TRAJECTORY_QUESTIONS[language]), "neutral"))
    elif task == "T2":
        felt = next((e for e in reversed(events) if e != "neutral"), "neutral")
        turns.append(ScriptTurn(rng.choice(REASON_QUESTIONS[language]), felt))
    else:
        raise ValueError(f"synthetic dialogues exist for T1, T2 and T3, not {task!r}")
    return turns
