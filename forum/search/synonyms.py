"""Words customers use for the same thing, for "similar questions".

Customers rarely name a problem the way the earlier asker did: one "resets" the router, the
other "restores factory settings"; one "can't connect", the other "has no signal". A question's
words are widened with the other words of their group (at a lower weight than the words
themselves), so the earlier question is found either way.

Groups are general product-support vocabulary (networking devices, cameras, apps, accounts,
orders), in Chinese and English. Operators add their own products' words with the setting
``WENDAO_SEARCH_SYNONYMS`` (a list of groups, each a list of words).
"""

from functools import lru_cache

from django.conf import settings

from .analysis import query_words

GROUPS: list[list[str]] = [
    ["重置", "复位", "恢复出厂", "出厂设置", "恢复出厂设置", "reset", "factory reset", "restore"],
    ["连不上", "连接不上", "无法连接", "连不了", "连接失败", "断开", "掉线", "disconnect", "can't connect", "offline"],
    ["wifi", "wi-fi", "无线", "无线网络", "无线网", "wlan", "wireless"],
    ["摄像头", "摄像机", "监控", "camera", "cam"],
    ["密码", "口令", "password", "passcode"],
    ["忘记", "忘了", "找回", "forgot", "forgotten", "recover"],
    ["离线", "不在线", "掉线", "offline"],
    ["升级", "更新", "固件", "upgrade", "update", "firmware"],
    ["发票", "开票", "invoice", "receipt"],
    ["慢", "卡", "网速", "延迟", "slow", "lag", "latency"],
    ["存储卡", "sd卡", "内存卡", "tf卡", "sd", "microsd", "memory card"],
    ["回放", "录像", "历史录像", "视频", "playback", "recording", "footage"],
    ["退订", "取消", "续费", "订阅", "cancel", "unsubscribe", "subscription"],
    ["报警", "告警", "推送", "通知", "alert", "alarm", "notification"],
    ["模糊", "不清晰", "不清楚", "清晰度", "blurry", "blur", "focus"],
    ["客服", "人工", "售后", "support", "customer service"],
    ["发烫", "发热", "很烫", "过热", "hot", "overheat", "overheating"],
    ["导出", "下载", "保存", "export", "download"],
    ["优惠券", "券", "折扣", "coupon", "voucher", "discount"],
    ["桥接", "中继", "扩展", "bridge", "repeater", "extender"],
    ["杂音", "电流声", "噪音", "滋滋", "noise", "static", "buzz"],
    ["配网", "添加设备", "绑定", "联网", "pair", "pairing", "setup"],
    ["发货", "物流", "快递", "配送", "shipping", "delivery", "shipped"],
    ["退货", "退款", "退回", "return", "refund"],
    ["英文", "英语", "english"],
    ["中文", "汉语", "chinese"],
    ["app", "应用", "客户端", "手机应用"],
    ["分享", "共享", "家人", "share", "family"],
    ["保修", "质保", "维修", "warranty", "repair"],
    ["验证码", "短信", "verification code", "sms", "otp"],
    ["电池", "续航", "充电", "battery", "charge"],
    ["管理页面", "后台", "管理界面", "admin page", "web interface", "dashboard"],
    ["家长控制", "上网时间", "定时断网", "parental control", "parental controls"],
    ["开启", "打开", "启用", "enable", "turn on"],
    ["关闭", "禁用", "enable", "disable", "turn off"],
    ["隐藏", "不广播", "hidden", "hide"],
    ["不联网", "断网", "没有网络", "无网络", "without internet", "no internet"],
    ["夜视", "晚上", "黑白", "night vision", "infrared"],
    ["红灯", "指示灯", "闪烁", "led", "blinking", "light"],
    ["mesh", "组网", "节点", "node"],
    ["ipv6"],
    ["钱包", "wallet"],
    ["质押", "委托", "stake", "staking", "delegate", "delegation"],
]


@lru_cache(maxsize=1)
def _table() -> dict[str, tuple[str, ...]]:
    """Each word (as a query sends it) to the words of every group it belongs to."""
    groups = GROUPS + list(getattr(settings, "WENDAO_SEARCH_SYNONYMS", []))
    table: dict[str, set[str]] = {}
    for group in groups:
        words = {w for phrase in group for w in query_words(phrase)}
        keys = {" ".join(query_words(phrase)) for phrase in group} | words
        for key in keys:
            table.setdefault(key, set()).update(words)
    return {key: tuple(sorted(words - {key})) for key, words in table.items()}


def expand(words: list[str]) -> list[str]:
    """The other words customers use for ``words``, not already among them, in a stable order."""
    table = _table()
    seen = set(words)
    extra: list[str] = []
    for word in words:
        for other in table.get(word, ()):
            if other not in seen:
                seen.add(other)
                extra.append(other)
    return extra
