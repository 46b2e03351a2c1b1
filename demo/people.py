"""Plausible Chinese names and phone numbers for the demo's people, drawn from a seeded generator."""

from __future__ import annotations

import random

# The most common surnames, roughly by frequency, so that 王/李/张 turn up more than 龚 or 邵.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
)
GIVEN = (
    "伟",
    "芳",
    "敏",
    "静",
    "丽",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
    "华",
    "建国",
    "志强",
    "红梅",
    "文杰",
    "海燕",
    "晓东",
    "立新",
    "卫东",
    "振宇",
    "建华",
    "国平",
    "德明",
    "晓燕",
    "玉兰",
    "秀英",
    "永庆",
    "春晖",
    "丽萍",
    "慧敏",
    "佳怡",
    "子豪",
    "思远",
    "雨婷",
    "俊杰",
    "志宏",
    "家豪",
    "宏伟",
    "亚楠",
    "晓峰",
    "云飞",
    "新华",
    "国强",
    "文静",
    "丽君",
    "海涛",
    "晓梅",
    "志刚",
    "红霞",
    "建平",
    "学军",
    "晓红",
    "卫国",
    "丽华",
    "雪松",
    "亚军",
    "春燕",
    "金龙",
    "爱民",
    "少华",
    "明辉",
    "淑芬",
    "宏亮",
    "秋菊",
    "玉梅",
    "建军",
    "晓光",
    "美玲",
    "正荣",
    "瑞华",
    "晨阳",
    "思琪",
    "梦瑶",
    "博文",
    "浩然",
)


class NameBook:
    """Hand out names that are unique within the demo."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def reserve(self, name: str) -> None:
        self.used.add(name)

    def name(self) -> str:
        while True:
            candidate = self.rng.choice(SURNAMES[:40] if self.rng.random() < 0.7 else SURNAMES) + self.rng.choice(GIVEN)
            if candidate not in self.used:
                self.used.add(candidate)
                return candidate

    def landline(self) -> str:
        return f"0599-8{self.rng.randrange(10**6, 10**7)}"

    def mobile(self) -> str:
        return f"1{self.rng.choice('3589')}{self.rng.randrange(10**8, 10**9)}"
