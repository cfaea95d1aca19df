"""The invented vocabulary of the demo world: names, places and organisation brands.

Common surnames weighted by frequency, given names typical of people born in the 1930s–1960s
(recipients) and later (caregivers, assessors, guardians), street and community names, and a
plausible centre for each province. The benchmark's generator (bench/generate.py) borrows them.
"""

# Provincial capitals (lat, lon) by the first two digits of the division code: a plausible centre
# for invented homes. 北京市昌平区 has its own, real centre.
PROVINCE_CENTRES = {
    "11": (39.904, 116.407), "12": (39.125, 117.190), "13": (38.042, 114.514), "14": (37.870, 112.549),
    "15": (40.842, 111.749), "21": (41.805, 123.431), "22": (43.817, 125.323), "23": (45.803, 126.534),
    "31": (31.230, 121.473), "32": (32.060, 118.796), "33": (30.274, 120.155), "34": (31.820, 117.227),
    "35": (26.074, 119.296), "36": (28.682, 115.858), "37": (36.651, 117.120), "41": (34.746, 113.625),
    "42": (30.593, 114.305), "43": (28.228, 112.939), "44": (23.129, 113.264), "45": (22.817, 108.366),
    "46": (20.044, 110.199), "50": (29.563, 106.551), "51": (30.572, 104.066), "52": (26.647, 106.630),
    "53": (25.038, 102.718), "54": (29.652, 91.172), "61": (34.341, 108.940), "62": (36.061, 103.834),
    "63": (36.617, 101.778), "64": (38.487, 106.231), "65": (43.825, 87.617),
}  # fmt: skip
KNOWN_CENTRES = {"110114": (40.2206, 116.2312)}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜"
    "崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严武戴孔汤"
)
SURNAME_WEIGHTS = [max(2, 40 - index) for index in range(len(SURNAMES))]
ELDER_GIVEN = {
    "M": _words(
        "建国 国强 德明 志强 文华 玉山 福生 长林 宝山 振华 永祥 树林 春生 金山 国庆 建华 德胜 志明 广福 庆云 "
        "洪涛 满仓 有福 学文 万全 荣华 家驹 明 强 林 军 福 忠 仁 义 斌 山 海 勇 华 成"
    ),
    "F": _words(
        "秀英 桂英 玉兰 秀兰 凤英 淑珍 桂兰 玉珍 凤兰 淑英 秀珍 玉梅 桂芳 秀云 玉英 兰英 素珍 翠兰 淑兰 金凤 "
        "春花 月娥 秀梅 桂珍 玉华 凤琴 淑华 素芬 兰 英 珍 芳 梅 娟 凤 琴 霞 华"
    ),
}
YOUNGER_GIVEN = {
    "M": _words("伟 磊 强 军 海涛 建军 晓东 志刚 鹏 浩 涛 建伟 永刚"),
    "F": _words("丽 静 敏 燕 红梅 海燕 丽娟 春梅 晓红 丽华 小红 艳 慧 娜 婷 雪梅 玉洁 晓燕 秀芳 桂香"),
}
STREETS = _words("城关街道 城北街道 城南街道 东关街道 西关街道 新华街道 建设街道 和平街道 兴隆镇 长青镇 南口镇 北辰镇")
COMMUNITIES = _words("幸福里社区 阳光社区 和平社区 康乐社区 永安社区 新华社区 团结社区 光明社区 东园社区 西苑社区")
VILLAGES = _words("王庄村 李家村 东营村 西河村 前进村 红星村 大柳树村 小营村 马坊村 高庄村")
HOME_VISIT_BRANDS = _words("康颐 福寿 颐和 乐龄 安康 仁爱 惠民 孝亲 夕阳红 康乐 长青 福满堂")
RETROFIT_BRANDS = _words("安居 宜居 康居 筑福 安心 恒安")
ASSESSMENT_BRANDS = _words("衡信 正衡 明鉴 公信 民评 守正")


def organisation_code_check_char(body: str) -> str:
    """The check character of a 9-character organisation code (GB 11714), the 9th to 17th of a credit code."""
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(
        (int(char) if char.isdigit() else ord(char) - 55) * weight for char, weight in zip(body, weights, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))
