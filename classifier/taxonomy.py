"""Label codes from the shared taxonomy (§1–§3). Store codes, show the Chinese names."""
from __future__ import annotations

from dataclasses import dataclass

EXTERNAL, INTERNAL, NEITHER = "external", "internal", "neither"


@dataclass(frozen=True)
class InterveneType:
    code: str
    name: str
    scope: str  # external | internal | neither
    action: str


INTERVENER_TYPES: dict[str, InterveneType] = {
    t.code: t
    for t in (
        InterveneType("EXT_LEADER", "领导干部本人过问", EXTERNAL, "登记入外部人员过问信息专库，按季度报告"),
        InterveneType("EXT_ORG", "以组织名义发文发函", EXTERNAL, "登记入外部人员过问信息专库，按季度报告"),
        InterveneType("EXT_AIDE_RELATIVE", "领导干部身边工作人员、亲属过问", EXTERNAL, "登记入外部人员过问信息专库，按季度报告"),
        InterveneType("EXT_IN_LEADER_NAME", "其他人员以领导干部名义过问", EXTERNAL, "登记入外部人员过问信息专库，按季度报告"),
        InterveneType("INT_COURT_LEADER", "本院领导干部过问", INTERNAL, "登记入司法机关内部人员过问案件信息专库，按季度汇总报监察部门"),
        InterveneType("INT_UPPER_COURT", "上级法院工作人员过问", INTERNAL, "登记入司法机关内部人员过问案件信息专库，按季度汇总报监察部门"),
        InterveneType("INT_COURT_STAFF", "本院其他工作人员过问", INTERNAL, "登记入司法机关内部人员过问案件信息专库，按季度汇总报监察部门"),
        InterveneType("INT_OTHER_JUDICIAL", "其他司法机关人员过问", INTERNAL, "登记入司法机关内部人员过问案件信息专库，按季度汇总报监察部门"),
        InterveneType("PARTY_RELATED", "当事人及其关系人非正当渠道递交", NEITHER, "告知正当渠道；退回或销毁材料，不得转交承办法官"),
        InterveneType("EXEMPT_ENTRUSTED", "受委托/许可依程序提出参考意见", NEITHER, "存入案件正卷"),
        InterveneType("NOT_INTERVENTION", "非过问材料", NEITHER, "按普通来信流转"),
    )
}

SPECIAL_REPORT: dict[str, str] = {
    "SR01": "在审判、执行等环节为案件当事人请托说情",
    "SR02": "要求法院工作人员私下会见、联系当事人或其辩护人、诉讼代理人、近亲属及其他利害关系人",
    "SR03": "授意、纵容身边工作人员或者亲属为案件当事人请托说情",
    "SR04": "以听取汇报、开协调会、发文件、打电话等形式超越职权对案件处理提出倾向性意见或具体要求",
    "SR05": "要求立案、不予立案、拖延立案或者人为控制立案",
    "SR06": "要求中止审理、延长审限、不计入审限等拖延结案或压缩办案时间结案",
    "SR07": "要求对保全标的物、执行标的物采取、暂缓或解除扣押、查封、冻结措施",
    "SR08": "要求选择特定鉴定机构、资产评估机构、拍卖机构或破产管理人",
    "SR09": "要求将执行案款优先发放给特定申请执行人",
    "SR10": "要求拖延执行或者中止执行、终结执行",
    "SR11": "要求将刑事涉案财物发还特定被害人或移交特定机关",
    "SR12": "要求对当事人采取强制措施，或解除、变更强制措施",
    "SR13": "要求在减刑、假释案件审理中对罪犯从严或从宽处理",
    "SR14": "批转当事人或其关系人单方提交的涉案材料或专家意见书",
    "SR15": "其他有必要作为特别报告事项的行为",
}

INTERNAL_BEHAVIOURS: dict[str, str] = {
    "IB01": "打探案情、通风报信",
    "IB02": "违反规定转递涉案材料",
    "IB03": "非因履行职责或非经正当程序过问他人正在办理的案件",
}

FORMS: dict[str, str] = {
    "LETTER": "函文/信件",
    "DOCUMENT": "批示/文件",
    "PHONE": "电话",
    "SMS_IM": "短信/微信/微博/电子邮件",
    "ORAL": "当面口头",
    "OTHER": "其他",
}

REGISTERS = {EXTERNAL: "外部人员过问信息专库", INTERNAL: "司法机关内部人员过问案件信息专库"}


def scope_of(intervener_type: str) -> str:
    return INTERVENER_TYPES[intervener_type].scope
