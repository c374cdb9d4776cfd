"""Synthetic training corpus: letters, records and transcripts composed from templates.

How the corpus is made
----------------------
Every record is decided *label first*: :func:`draw_scenario` picks the intervener type (taxonomy §1), the
form of contact (§3), the special-report items (§2) and internal behaviours, and the context they need (a
receiving court, a case of a kind that fits the items, a date). A renderer for the form (函, 批示/纪要,
phone record, oral record, WeChat/SMS/e-mail transcript, note or business card) then writes text that
expresses exactly those labels, from interchangeable parts kept in the data tables below: openings,
backgrounds, one table of request phrases per item (several paraphrases each, wrapped in a written, a
quoted or a reported voice and often softened by euphemisms such as 能缓就缓 or 从稳定大局出发), closings,
random names, organs, positions, courts, case numbers in their written variants and dates in Arabic or
Chinese numerals. The record's ``fields`` are the values the text names (case number in canonical form:
full-width brackets, Arabic year, no spaces, no ``第``; date ISO); a field the text does not name is null.

Labelling rules (taxonomy §1–§2 and domain notes §d)
---------------------------------------------------
* Special-report items are only given to interventions (external and internal types). Parties, entrusted
  opinions and ordinary mail carry none, even when they use the same words (暂缓执行 in a party's own plea).
* Internal interveners: a demand on how the case is handled → the matching SR codes plus ``IB03``; asking for
  or leaking case information → ``IB01``; passing on a party's material → ``IB02`` plus ``SR14``.
* ``SR03`` is given when the text says a leader told or let an aide/relative make the request.
* A leader's 批示 forwarding a party's petition → ``SR14`` plus whatever the 批示 itself demands; the
  petition's own pleas are the party's and add nothing.
* A 会议纪要 that settles what the court will do → ``SR04`` plus the specific items.
* Procuratorate or police 公函 with legal documents for a duty (调卷, 协助查询) and upper-court 调卷函 →
  ``NOT_INTERVENTION``; the same organs' staff calling or visiting in person → ``INT_OTHER_JUDICIAL``.
* A party, its lawyer or relative writing to the judge directly → ``PARTY_RELATED`` even on letterhead with a
  文号; an SOE that is only the parent of a party → ``EXT_ORG``; the same plea filed at the 诉讼服务中心 →
  ``NOT_INTERVENTION``.
* A 复函 answering the court's 征询函 or an opinion given "受贵院委托" → ``EXEMPT_ENTRUSTED``.

Regenerate (deterministic for a seed)::

    python -m classifier.corpus --out classifier/data/train.jsonl --n 3000 --seed 7
"""
from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from classifier.noise import ocr_noise
from classifier.taxonomy import FORMS, INTERNAL_BEHAVIOURS, INTERVENER_TYPES, SPECIAL_REPORT

DEFAULT_PATH = Path(__file__).with_name("data") / "train.jsonl"
REPORT_SHARE = 0.25  # interventions by phone, in person, by message or note told in a judge's own report
NOISY_SHARE = 0.35  # records passed through :func:`classifier.noise.ocr_noise`

# ================================================================================================
# Data tables: people, places, organs, courts
# ================================================================================================
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌辉鹏宇浩凯亮波海燕晓春玲雪梅林峰宏俊健立新永福德学卫东庆荣光利清飞彬兵"

# A phrase may carry a tag "X|" naming the cases it fits (see ``case_tags``): 刑 criminal trials, 诉 any criminal
# case, 民 any non-criminal case, 审 civil/administrative trials, 执 execution and preservation, 破 bankruptcy.
# (province, abbreviation of the high court code, city, city abbreviation, 中院 code, [(county, abbr, code)])
REGIONS = (
    ("江西省", "赣", "临江市", "临", "赣07", (("梅川县", "梅", "赣0723"), ("青溪县", "青", "赣0724"), ("云阳区", "云", "赣0702"))),
    ("湖南省", "湘", "南屏市", "屏", "湘05", (("安平县", "安", "湘0521"), ("白石县", "白", "湘0522"), ("河西区", "西", "湘0503"))),
    ("河南省", "豫", "东陵市", "陵", "豫08", (("松山县", "松", "豫0821"), ("柳河县", "柳", "豫0822"), ("北关区", "北", "豫0802"))),
    ("广东省", "粤", "江州市", "江", "粤07", (("新会区", "会", "粤0705"), ("台平市", "台", "粤0781"), ("恩阳县", "恩", "粤0785"))),
    ("浙江省", "浙", "湖阳市", "湖", "浙05", (("南浔区", "浔", "浙0503"), ("德清县", "德", "浙0521"), ("安吉县", "吉", "浙0523"))),
    ("四川省", "川", "凉川市", "凉", "川34", (("西昌县", "昌", "川3421"), ("会理县", "理", "川3425"), ("宁南县", "宁", "川3427"))),
)
TOWNS = ("城关镇", "石桥镇", "新塘镇", "白沙乡", "龙口镇", "桃源镇", "河埠镇", "清水乡")
ZIHAO = ("宏达", "鑫源", "恒泰", "瑞丰", "金鼎", "华盛", "永兴", "盛世", "中联", "天和", "嘉禾", "博远", "汇通", "鸿运",
         "兴业", "正邦", "东方", "凯旋", "长丰", "润泽", "华美", "腾飞", "信诚", "安顺")
INDUSTRIES = ("建筑工程", "房地产开发", "纺织", "食品", "机械制造", "化工", "陶瓷", "物流", "商贸", "农业开发", "新能源科技",
              "矿业", "建材", "电子科技", "置业", "医药", "服装", "汽车销售")
LENDERS = ("{county}农村商业银行股份有限公司", "中国建设银行股份有限公司{county}支行", "{city}银行股份有限公司{county}支行",
           "{county}农村信用合作联社", "{city}融资担保有限公司")
CIVIL_CAUSES = ("买卖合同", "建设工程施工合同", "民间借贷", "金融借款合同", "租赁合同", "股权转让", "房屋买卖合同", "承揽合同",
                "劳务合同", "借款合同", "商品房预售合同", "债权转让")
CRIMES = ("非法吸收公众存款", "合同诈骗", "职务侵占", "故意伤害", "诈骗", "非法占用农用地", "污染环境", "寻衅滋事", "串通投标",
          "虚开增值税专用发票", "重大责任事故")
ADMIN_CAUSES = ("行政处罚", "行政强制拆除", "土地行政登记", "行政许可", "工伤认定")
ADMIN_DEFENDANTS = ("{county}自然资源局", "{county}人民政府", "{county}市场监督管理局", "{county}住房和城乡建设局", "{county}人力资源和社会保障局")
PETITION_DOCS = ("情况反映", "关于请求依法公正处理的报告", "紧急求助报告", "申诉材料", "专家论证意见书", "法律意见书",
                 "关于企业面临困境的情况说明", "联名信")
AGENCIES = ("{city}正信资产评估有限公司", "{city}诚达价格评估事务所", "{province}华夏拍卖有限公司", "{city}公正司法鉴定中心",
            "{city}明德律师事务所", "{province}立信会计师事务所")
PROJECTS = ("城南棚户区改造项目", "滨江新城安置房项目", "工业园区标准厂房项目", "县城污水处理厂项目", "农贸市场改造项目")

# organs writing 函: (name template, 发文字号 organ code template)
ORGS = (
    ("{county}人民政府", "{a}政函"),
    ("{county}人民政府办公室", "{a}府办函"),
    ("{county}人民代表大会常务委员会办公室", "{a}人大办函"),
    ("政协{county}委员会办公室", "{a}政协办函"),
    ("中共{county}委员会政法委员会", "{a}政法函"),
    ("中共{county}委员会办公室", "{a}委办函"),
    ("{county}工业和信息化局", "{a}工信函"),
    ("{county}发展和改革委员会", "{a}发改函"),
    ("{county}住房和城乡建设局", "{a}建函"),
    ("{county}人力资源和社会保障局", "{a}人社函"),
    ("{city}人民政府国有资产监督管理委员会", "{ca}国资函"),
    ("{city}城市建设投资集团有限公司", "{ca}城投函"),
    ("{county}交通投资集团有限公司", "{a}交投函"),
    ("{city}工商业联合会", "{ca}工商联函"),
    ("{province}建筑业协会", "{pa}建协函"),
    ("{county}{town}人民政府", "{a}{t}政函"),
    ("{county}经济开发区管理委员会", "{a}开管函"),
    ("{city}中小企业协会", "{ca}中企协函"),
)
# external leaders: (unit template, positions)
LEADERS = (
    ("{county}人民政府", ("{s}长", "副{s}长", "常务副{s}长")),
    ("中共{county}委员会", ("书记", "副书记", "常委、政法委书记", "常委、组织部部长")),
    ("{county}人大常委会", ("主任", "副主任")),
    ("政协{county}委员会", ("主席", "副主席")),
    ("{city}人民政府", ("副市长", "秘书长")),
    ("中共{city}委员会政法委员会", ("书记", "常务副书记")),
    ("{county}自然资源局", ("局长",)),
    ("{county}发展和改革委员会", ("主任",)),
    ("{city}城市建设投资集团有限公司", ("董事长", "总经理")),
    ("{city}总商会", ("会长", "副会长")),
    ("{city}第一人民医院", ("院长", "党委书记")),
    ("{county}{town}", ("党委书记", "镇长")),
    ("{city}军分区", ("政治委员", "副司令员")),
    ("中共{city}委员会", ("原副书记（已退休）",)),
    ("{county}人大常委会", ("原主任（已退休）",)),
    ("{province}人大常委会", ("副主任", "委员")),
    ("{city}妇女联合会", ("主席",)),
    ("共青团{city}委员会", ("书记",)),
    ("{city}第一中学", ("校长",)),
    ("{county}供销合作社联合社", ("理事会主任",)),
)
COURT_LEADER_TITLES = ("执行局副局长", "立案庭副庭长", "党组成员、副院长", "刑事审判庭副庭长", "院长", "副院长", "常务副院长", "审判委员会专职委员", "执行局局长", "民事审判第一庭庭长", "刑事审判庭庭长",
                       "立案庭庭长", "政治部主任", "民事审判第二庭副庭长")
UPPER_COURT_TITLES = ("执行局法官", "民事审判第二庭副庭长", "立案庭庭长", "审判管理办公室主任", "刑事审判第一庭法官助理", "副院长")
COURT_STAFF_TITLES = ("执行员", "档案室工作人员", "退休审判员", "速录员", "书记员", "法官助理", "司法警察", "驾驶员", "退休法官（原民一庭副庭长）", "人民陪审员", "聘用制书记员",
                      "办公室科员", "执行局法官", "诉讼服务中心工作人员", "退休干部")
OTHER_JUDICIAL = (
    ("{county}人民检察院", ("第一检察部检察官", "副检察长", "第三检察部主任", "检察官助理")),
    ("{county}公安局", ("刑侦大队民警", "{town}派出所所长", "副局长", "经侦大队大队长")),
    ("{county}司法局", ("副局长", "{town}司法所所长")),
    ("{city}国家安全局", ("干部",)),
    ("{city}人民检察院", ("第六检察部检察官",)),
    ("{county}公安局{town}派出所", ("民警", "副所长")),
    ("{province}{zihao}监狱", ("狱政科科长", "刑罚执行科干警")),
)
AIDE_ROLES = ("秘书", "驾驶员", "办公室主任", "爱人", "儿子", "弟弟", "女儿", "侄子", "妹夫", "司机", "妻子", "丈夫", "外甥",
              "表弟", "岳父", "儿媳", "女婿", "联络员", "身边工作人员", "哥哥", "姐姐")
STAFF_ROLES = ("秘书", "驾驶员", "办公室主任", "司机", "联络员", "身边工作人员")
# {boss} is the leader; {role}/{name}/{s} the aide. Quoted intros speak in the first person.
AIDE_INTROS_QUOTE = ("我是{boss}的{role}{s}某", "我是{boss}的{role}", "我姓{s}，在{boss}身边工作，是他的{role}", "我是{name}，{boss}的{role}", "我，{boss}的{role}{name}")
AIDE_INTROS_REPORTED = ("{name}（自称系{boss}的{role}）", "{boss}的{role}{name}", "自称是{boss}{role}的{name}",
                        "{name}，系{boss}的{role}", "{name}（{boss}的{role}）")
AIDE_LEADS = ("是{boss}让我来找你们的。", "{boss}交代我跟你们说一声。", "{boss}知道这个事，让我跟您打个招呼。",
              "{boss}特意叮嘱我来问问。", "这是{boss}的意思，他不方便出面。", "{boss}让我代他表个态。", "{boss}也很关心，让我过来看看。")
LEADER_SENDS_AIDE = ("我已经让我的{aide}跟你们联系过了，", "具体情况我让{aide}去跟你们细说，", "材料我让{aide}给你们送过去，",
                     "回头让我{aide}再找你们对接一下，")
IN_NAME_LEADS = ("{boss}让我转告你们，", "这事{boss}已经打过招呼了，", "我跟{boss}很熟，他的意思是，", "{boss}很关心这个事，",
                 "受{boss}委托，", "{boss}托我带个话，", "{boss}那边已经同意了，", "我是替{boss}来传个话的，",
                 "{boss}说了，", "你们领导{boss}那里我已经说好了，", "{boss}交代过，")
MIDDLEMEN = (("{zihao}集团有限公司", "董事长"), ("{county}商会", "秘书长"), ("{zihao}投资有限公司", "总经理"),
             (None, "退休教师"), (None, "个体老板"), ("{zihao}建筑工程有限公司", "项目经理"), (None, "中间人"),
             (None, "个体工商户"), ("{county}{town}{zihao}村", "村委会主任"))

# ================================================================================================
# Data tables: what is asked. Request verb phrases per special-report item (slots filled from the scenario).
# ================================================================================================
SR_PHRASES: dict[str, tuple[str, ...]] = {  # extended by EXTRA_SR_PHRASES below
    "SR01": ("对{party}给予关照", "关注一下{party}的案子，在法律允许的范围内尽量帮一帮", "酌情照顾{party}",
             "对{party}高抬贵手", "在依法的前提下对{party}多加关心", "帮{party}把这个事情处理好", "对{party}的诉求予以关注",
             "念及{party}一贯表现良好，给予照顾", "多体谅{party}的难处", "该照顾的照顾一下{party}"),
    "SR02": ("安排承办法官与{party}负责人当面沟通一下", "让承办法官抽空私下见一见{party}的老板",
             "找个时间和{party}的代理律师一起吃个便饭，听听他们的想法", "私下联系一下对方当事人{other}做做工作",
             "让承办法官单独听一听{party}家属的意见", "周末约{party}的负责人一起坐坐"),
    "SR04": ("审|按照县政府专题协调会确定的意见，判决驳回{other}的诉讼请求", "审|以调解方式结案，由{party}分期偿还",
             "刑|认定该案属于正常经营纠纷，不宜作为刑事案件处理", "刑|对{person}判处缓刑", "按会议纪要的口径处理，确保口径保持一致",
             "审|免除{party}的违约金", "审|支持{party}的诉讼请求", "刑|对{person}从轻判处", "执|促成执行和解，由{party}分期履行",
             "刑|给{person}判个缓刑", "审|尽量调解，判的时候考虑{party}的困难", "审|违约金少判一点",
             "破|驳回对{party}的破产申请", "执|认定{party}已无可供执行的财产"),
    "SR05": ("对涉{project}的系列民事案件暂缓立案", "对{other}起诉{party}的案件暂不受理", "尽快为{party}立案",
             "先不要受理农民工起诉{party}的案件，由政府统一协调", "对{party}的起诉予以立案，不要再让他们补材料"),
    "SR06": ("暂缓审理该案，待政府协调结果出来后再作处理", "中止审理该案", "在本月底前审结该案",
             "适当延长审限，给{party}留出时间", "尽快结案，压缩办案时间", "该案审理期间不计入审限", "先不要开庭，拖一拖再说",
             "开庭往后推一推", "赶在年底前把案子结了"),
    "SR07": ("解除对{party}银行账户的冻结", "暂缓查封{party}的厂房和土地", "对{other}名下的财产立即采取查封措施",
             "解除对{party}名下车辆的扣押", "对{party}的股权暂不冻结", "先行冻结{other}的账户", "解封{party}的生产设备",
             "把{party}的账户先解冻", "查封的厂房先解封，让企业恢复生产"),
    "SR08": ("委托{agency}对涉案资产进行评估", "破|指定{agency}担任{party}的破产管理人", "执|选择{agency}负责拍卖",
             "审|鉴定机构选定{agency}", "审|由{agency}做司法鉴定", "执|涉案厂房的评估拍卖交给{agency}",
             "不要摇号，评估机构直接定{agency}"),
    "SR09": ("将执行到位的案款优先发放给{party}", "执行款先支付给本地农民工和供应商", "执行案款优先拨付给{party}",
             "案款分配时先照顾{party}"),
    "SR10": ("暂缓对{party}的强制执行", "对{party}能缓就缓，给企业一定的化解期", "先放一放{party}的执行案件，等政府协调后再说",
             "中止对{party}的执行", "以终结本次执行程序结案", "暂停拍卖{party}的厂房", "给企业半年的缓冲期，暂不执行",
             "先别拍卖{party}的厂房", "执行的事缓一缓"),
    "SR11": ("将扣押的涉案车辆发还给被害人{other}", "将涉案款项移交县财政统一处置", "把查封的涉案财物优先发还给{party}",
             "涉案资金先退给本地集资群众"),
    "SR12": ("刑|对被告人{person}变更为取保候审", "执|不要对{party}的法定代表人采取司法拘留", "执|对{other}的法定代表人采取拘留措施",
             "刑|解除对{person}的监视居住", "刑|对{person}决定逮捕", "刑|把{person}放出来", "刑|让{person}先取保出来"),
    "SR13": ("对罪犯{person}的减刑从宽掌握", "依法对罪犯{person}予以假释", "对罪犯{person}从严掌握，不予减刑",
             "给{person}多减一点刑期", "在{person}减刑时考虑其家庭困难"),
    "SR14": ("认真研究随附的{party}《{doc}》", "把{party}反映的《{doc}》作为合议庭参考", "参阅{party}提交的《{doc}》并依法处理",
             "看一看{party}的《{doc}》"),
    "SR15": ("将该案处理结果及时函告我们", "更换承办法官", "调整合议庭组成人员", "判决书不要在网上公开", "把处理情况报县委办",
             "对方律师的问题也查一查"),
}
EXTRA_SR_PHRASES: dict[str, tuple[str, ...]] = {
    "SR01": ("给{party}行个方便", "对{party}网开一面", "适当照顾一下{party}的实际情况", "在裁量幅度内尽量向{party}倾斜",
             "能帮的尽量帮{party}一把", "对{party}的情况予以充分考虑", "多为{party}想想办法"),
    "SR02": ("安排一次见面，让{party}当面把情况说清楚", "抽时间到{party}实地看看，和老板聊一聊", "私下给{party}的律师打个电话沟通一下",
             "跟{party}的家属见个面，解释一下案情"),
    "SR04": ("审|按照县里的意见把这个案子判下来", "按协调会议定的方案结案", "审|判决时以政府确定的补偿标准为准",
             "刑|对{person}作无罪处理", "审|不要支持{other}的违约金请求", "执|把执行方案报县里同意后再实施",
             "审|驳回{other}的起诉", "刑|对{person}适用缓刑"),
    "SR05": ("{project}的相关起诉先不要收", "对{other}的起诉先不予登记立案", "统一暂缓受理涉{project}的案件"),
    "SR06": ("该案延期审理，等政府处理完再说", "在政府协调期间中止诉讼", "务必本周内审结", "先把开庭时间往后延一延"),
    "SR07": ("尽快解除对{party}的查封冻结", "把扣押的{party}车辆先放了", "不要冻结{party}的基本账户", "对{other}的账户立即冻结",
             "对{party}名下的土地暂不查封", "解除对{party}股权的冻结"),
    "SR08": ("评估机构请考虑{agency}", "拍卖交给{agency}办理", "破|破产管理人由{agency}担任", "鉴定就委托{agency}来做"),
    "SR09": ("执行到位的钱先给{party}", "案款优先保障{party}", "把执行款先分给本地债权人"),
    "SR10": ("暂停对{party}的执行程序", "延缓执行，给企业喘口气", "对{party}的强制执行暂缓半年", "暂时不要采取执行措施",
             "终结对{party}的执行", "先不要拍卖{party}的房产", "执行工作先停一停"),
    "SR11": ("把扣押的款物退还给{party}", "涉案车辆先交给县里处理", "把涉案资金优先返还本地群众"),
    "SR12": ("刑|对{person}不予羁押", "刑|尽快让{person}取保候审", "刑|对{person}改为监视居住", "执|对{other}的负责人司法拘留"),
    "SR13": ("{person}减刑的事请多关照", "对{person}的假释申请从宽考虑", "对罪犯{person}的减刑从严把握"),
    "SR14": ("研究一下{party}送来的《{doc}》", "将{party}的《{doc}》转承办法官阅处", "请承办法官认真阅看{party}的《{doc}》"),
    "SR15": ("案件结果出来前先跟我们通个气", "换一个承办法官", "这个案子的判决书不要上网", "处理结果报县委政法委备案",
             "判决书出来先给我们看一下", "不要公开开庭审理", "安排{party}的人旁听合议", "对方律师那边也要敲打敲打"),
}
for _code, _more in {
    "SR01": ("帮{party}说说情", "看在我的面子上关照一下{party}", "{party}的事请多费心", "尽量让{party}满意", "对{party}宽大处理",
             "关照一下这个案子", "尽力帮忙", "对{party}手下留情"),
    "SR04": ("请承办法官到县委汇报一下案情，按县委意见办", "召集法院开个协调会，统一处理意见", "县里的意见是这个案子要判{party}胜诉",
             "审|该案应当认定{party}不承担责任", "刑|这个案子定性要慎重，最好不作犯罪处理", "执|执行方案先报县政府审定"),
    "SR06": ("这个案子先别急着判", "尽快把案子审结，不要拖", "往后拖一拖再宣判", "审理期限能延就延", "抓紧时间结案，月底前必须判"),
    "SR05": ("这批案子先不要立", "对{party}的起诉尽快登记立案，不要卡着", "暂缓立案，等县里先调处", "立案的事先压一压",
             "不要受理{other}针对{party}的起诉"),
    "SR07": ("把{party}被冻结的账户先解开", "查封措施先撤了", "赶紧把{other}的财产保全起来", "别扣{party}的车"),
    "SR10": ("执行先缓一缓，给企业留条活路", "暂缓拍卖{party}的资产", "不要急着强制执行", "中止执行程序，等县里协调",
             "对{party}暂不采取强制执行措施", "延期执行", "执行程序先停下来"),
    "SR14": ("把{party}的《{doc}》转给合议庭参考", "这份《{doc}》请法院好好看看", "附上{party}的《{doc}》，请参阅"),
    "SR15": ("这个案子的处理情况随时向我们报告", "把合议庭组成换一换", "判决前先听听县里的意见"),
    "SR12": ("刑|对{person}不要批捕", "刑|先把{person}放回家过年", "执|拘留{other}的老板"),
    "SR13": ("{person}的减刑请从宽考虑", "{person}假释的事帮忙关照一下"),
}.items():
    SR_PHRASES[_code] = SR_PHRASES[_code] + _more
SR_PHRASES = {code: phrases + EXTRA_SR_PHRASES.get(code, ()) for code, phrases in SR_PHRASES.items()}
IB01_PHRASES = ("打听合议庭的评议意见", "问案件准备怎么判、什么时候宣判", "打听明天去{party}现场查封的安排",
                "要求把合议庭倾向性意见透露给{party}", "打听审判委员会讨论的结果", "问执行局什么时候冻结{party}的账户")
IB02_PHRASES = ("把{party}写的《{doc}》交给承办法官", "转来{party}代理律师的代理意见，让承办法官参考",
                "把{party}托人带来的《{doc}》放在承办法官桌上")
IB01_INSTRUCTION = ("请将合议庭评议意见先报我", "宣判前先把结果告诉我", "查封前先告知我一声", "把案件进展随时告诉{party}")
IB03_INSTRUCTION = ("这个案子要多考虑考虑", "请把握好", "请再研究研究", "请慎重处理")
IB03_PHRASES = ("过问{case_short}的办理情况，让承办法官“把握一下”", "说这个案子要“多考虑考虑”", "让承办法官把这个案子“处理好”",
                "问这个案子能不能“再研究研究”")
SOFTENERS = ("在法律允许的范围内", "在依法的前提下", "从稳定大局出发", "民|考虑到企业实际困难", "民|本着优化营商环境的原则",
             "依法妥善处理的同时", "民|从保护民营企业的角度", "诉|本着宽严相济的精神", "")
WRAPPERS = {  # voice → ways to turn a verb phrase into a request
    "written": ("恳请贵院{soft}{vp}。", "建议贵院{soft}{vp}。", "请贵院{soft}{vp}为盼。", "希望贵院{soft}{vp}。",
                "商请贵院{soft}{vp}。", "望{soft}{vp}。"),
    "quote": ("你们看能不能{soft}{vp}？", "麻烦你们{soft}{vp}。", "{soft}还是{vp}吧。", "希望法院{soft}{vp}。",
              "这个事你帮个忙，{vp}。"),
    "reported": ("要求{soft}{vp}。", "希望承办法官{soft}{vp}。", "提出{soft}{vp}。", "表示希望法院{vp}。", "称“{vp}”。"),
    "instruction": ("请{soft}{vp}。", "{soft}{vp}。", "建议{soft}{vp}。", "可否{soft}{vp}？"),
}
INFO_WRAPPERS = {"quote": ("我就想{vp}。", "顺便{vp}。"), "reported": ("{vp}。", "并{vp}。"), "written": ("烦请{vp}。",),
                 "instruction": ("{vp}。",)}
BACKGROUNDS = {
    "company": ("{party}是我县重点招商引资企业，年纳税{n}万元，现有职工{m}人。", "该项目系省市重点项目，事关全县发展大局。",
                "涉及农民工{m}余人，近期多次集体上访，稳定压力较大。", "{party}目前经营困难，正在积极筹措资金。",
                "企业正处于上市辅导期，一旦被查封将影响融资。", "该案社会关注度高，处理不好容易引发舆情。",
                "{party}是本地龙头企业，带动上下游数百户就业。"),
    "person": ("{person}系初犯、偶犯，家中有年迈父母需要照顾。", "{person}平时表现一贯良好，群众反映不错。",
               "{person}家属情绪激动，多次到县委上访。", "{person}是我的老同学，为人本分。"),
}
EXEMPT_OPINIONS = ("经核查，涉案地块已纳入{project}征收范围，相关补偿标准为每平方米{n}元。",
                   "根据国家有关产业政策，涉案生产线不属于淘汰类项目。", "该企业近三年纳税及用工情况详见附表。",
                   "经我单位组织专家论证，涉案工程质量符合设计要求，具体意见附后。", "关于行业惯例，目前本地区同类合同普遍采用按月结算方式。",
                   "涉案区域生态环境损害的修复费用经测算约为{n}万元。")

# ================================================================================================
# Small helpers: names, numbers, dates
# ================================================================================================
CN_DIGITS = "〇一二三四五六七八九"


def person_name(rng: random.Random) -> str:
    """A Chinese personal name; one in five is anonymised like records often are (张某、张某某)."""
    surname = rng.choice(SURNAMES)
    if rng.random() < 0.2:
        return surname + rng.choice(("某", "某某"))
    return surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def company_name(rng: random.Random, place: str) -> str:
    """A company registered in ``place``, e.g. 梅川宏达建材有限公司."""
    return f"{place.rstrip('县区市')}{rng.choice(ZIHAO)}{rng.choice(INDUSTRIES)}有限公司"


def cn_number(n: int) -> str:
    """1–31 in Chinese numerals as used in dates (十一、二十、三十一)."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else CN_DIGITS[tens] + "十")
    return head + (CN_DIGITS[ones] if ones else "") if n >= 10 else CN_DIGITS[n]


def write_date(rng: random.Random, d: date, style: str | None = None) -> str:
    """``d`` as a letter writes it: Arabic 2024年3月5日, Chinese 二〇二四年三月五日, or 2024.3.5 / 2024-03-05."""
    style = style or rng.choice(("arabic", "arabic", "chinese", "dot", "iso"))
    if style == "chinese":
        return "".join(CN_DIGITS[int(c)] for c in str(d.year)) + f"年{cn_number(d.month)}月{cn_number(d.day)}日"
    if style == "dot":
        return f"{d.year}.{d.month}.{d.day}"
    if style == "iso":
        return d.isoformat()
    return f"{d.year}年{d.month}月{d.day}日"


def write_time(rng: random.Random, d: date) -> str:
    hour = rng.randint(8, 21)
    if rng.random() < 0.5:
        period = ("上午" if hour < 12 else "下午" if hour < 18 else "晚上") if rng.random() < 0.5 else ""
        return f"{d.year}年{d.month}月{d.day}日{period}{hour}时{rng.randint(0, 59)}分"
    return f"{d.isoformat()} {hour:02d}:{rng.randint(0, 59):02d}"


def doc_number(rng: random.Random, organ_code: str, year: int) -> str:
    """A 公文 发文字号 such as 梅政函〔2023〕87号 (not a case number)."""
    return f"{organ_code}〔{year}〕{rng.randint(1, 180)}号"


# ================================================================================================
# Places, courts, cases
# ================================================================================================
@dataclass(frozen=True)
class Place:
    province: str
    province_abbr: str
    city: str
    city_abbr: str
    county: str
    county_abbr: str
    town: str
    county_code: str
    city_code: str

    @property
    def suffix(self) -> str:
        """县/区/市, the last character of the county-level name (县长 / 区长 / 市长)."""
        return self.county[-1]

    def fill(self, template: str, rng: random.Random) -> str:
        return template.format(province=self.province, city=self.city, county=self.county, town=self.town,
                               a=self.county_abbr, ca=self.city_abbr, pa=self.province_abbr, t=self.town[0],
                               s=self.suffix, zihao=rng.choice(ZIHAO))


@dataclass(frozen=True)
class Court:
    name: str
    code: str
    short: str  # how locals call it: 县法院 / 市中院


@dataclass(frozen=True)
class Case:
    kind: str  # 类型代字
    number: str | None  # canonical 案号
    written: str | None  # as written in this letter
    name: str | None  # 案由 phrase, e.g. A与B买卖合同纠纷
    party: str  # the side the intervener favours
    other: str
    person: str  # natural person involved (defendant, prisoner, legal representative)
    mention: str  # both | number | name | none


# kinds of case each item fits (trial, execution, criminal ...)
SR_CASE_KINDS = {
    "SR05": ("未立案",), "SR06": ("民初", "民终", "行初", "刑初", "刑终"), "SR07": ("执", "执恢", "执保", "财保", "民初"),
    "SR08": ("执", "破申", "民初"), "SR09": ("执", "执恢"), "SR10": ("执", "执恢"), "SR11": ("刑初", "刑终"),
    "SR12": ("刑初", "刑终", "执"), "SR13": ("刑更",),
}
ALL_KINDS = ("民初", "民初", "民终", "执", "执", "执恢", "财保", "刑初", "刑终", "行初", "破申", "刑更")
CITY_KINDS = ("民终", "刑终", "刑更")


def draw_place(rng: random.Random) -> Place:
    """A county (with its city and province) the letter comes from."""
    province, pa, city, ca, city_code, counties = rng.choice(REGIONS)
    county, a, code = rng.choice(counties)
    return Place(province, pa, city, ca, county, a, rng.choice(TOWNS), code, city_code)


def court_for(place: Place, kind: str) -> Court:
    """The court that hears a case of ``kind``: the 中院 for appeals and 减刑假释, else the county court."""
    if kind in CITY_KINDS:
        return Court(f"{place.city}中级人民法院", place.city_code, "市中院")
    return Court(f"{place.county}人民法院", place.county_code, f"{place.suffix}法院")


def write_case_number(rng: random.Random, year: int, code: str, kind: str, seq: int, suffix: str) -> tuple[str, str]:
    """(canonical, written) case number; the written form varies as letters and OCR do (domain notes §a4)."""
    canonical = f"（{year}）{code}{kind}{seq}号{suffix}"
    style = rng.random()
    y = str(year)
    if style < 0.45:
        return canonical, canonical
    if style < 0.58:
        return canonical, f"({y}){code}{kind}{seq}号{suffix}"
    if style < 0.66:
        return canonical, f"〔{y}〕{code}{kind}{seq}号{suffix}"
    if style < 0.72:
        return canonical, rng.choice(("[", "【")) + y + rng.choice(("]", "】")) + f"{code}{kind}{seq}号{suffix}"
    if style < 0.80:
        return canonical, f"（{y}）{code[0]} {code[1:]} {kind} {seq} 号{suffix}"
    if style < 0.88:
        return canonical, f"（{y}）{code}{kind}第{seq}号{suffix}"
    if style < 0.94:
        return canonical, "（" + "".join(CN_DIGITS[int(c)] for c in y) + f"）{code}{kind}{seq}号{suffix}"
    return canonical, f"（{y}）{code.replace('0', 'O', 1)}{kind}{seq}号{suffix}"


def draw_case(rng: random.Random, place: Place, kind: str, year: int) -> Case:
    """A case of ``kind`` heard by the court of ``place`` (or its 中院), with parties and a name."""
    county_company = company_name(rng, place.county)
    other = company_name(rng, rng.choice((place.city, place.county)))
    lender = rng.choice(LENDERS).format(county=place.county, city=place.city)
    person = person_name(rng)
    cause = rng.choice(CIVIL_CAUSES)
    if kind in ("刑初", "刑终"):
        name = f"{person}{rng.choice(CRIMES)}案"
        party, other = person, person_name(rng)
    elif kind == "刑更":
        name = f"罪犯{person}{rng.choice(('减刑', '假释'))}案"
        party, other = person, person_name(rng)
    elif kind == "行初":
        defendant = rng.choice(ADMIN_DEFENDANTS).format(county=place.county)
        name = f"{county_company}诉{defendant}{rng.choice(ADMIN_CAUSES)}纠纷"
        party, other = county_company, defendant
    elif kind == "破申":
        name = f"{county_company}破产清算案"
        party = county_company
    elif kind in ("执", "执恢", "财保", "执保"):
        creditor = rng.choice((lender, other))
        name = rng.choice((f"{creditor}申请执行{county_company}{cause}纠纷", f"{creditor}与{county_company}{cause}纠纷"))
        party, other = county_company, creditor
    else:
        plaintiff, defendant = (other, county_company) if rng.random() < 0.6 else (county_company, other)
        name = f"{plaintiff}{rng.choice(('与', '诉'))}{defendant}{cause}纠纷"
        party = county_company
    if kind == "未立案":
        return Case(kind, None, None, None, party, other, person, "none")
    court = court_for(place, kind)
    suffix = "之一" if rng.random() < 0.06 else ""
    canonical, written = write_case_number(rng, year, court.code, kind, rng.randint(1, 4999), suffix)
    mention = rng.choices(("both", "number", "name"), (0.55, 0.2, 0.25))[0]
    return Case(kind, canonical, written, name, party, other, person, mention)


def case_ref(case: Case, rng: random.Random, voice: str) -> str:
    """How the text refers to the case; what it names decides the record's case fields."""
    if case.mention == "none":
        return f"{case.other}与{case.party}之间的纠纷" if voice != "reported" else "一起尚未立案的纠纷"
    if case.mention == "number":
        return rng.choice((f"{case.written}案件", f"{case.written}一案", f"案号为{case.written}的案件"))
    an = "" if case.name.endswith("案") else "一案"
    if case.mention == "name":
        return rng.choice((f"{case.name}{an}", f"{case.name}", f"“{case.name}”{an}"))
    return rng.choice((f"{case.name}{an}（案号：{case.written}）", f"{case.written}{case.name}{an}",
                       f"{case.name}{an}，案号{case.written}"))


def handling(case: Case) -> str:
    """正在审理 / 正在执行 / 受理, as fits the case kind."""
    return "正在执行" if case.kind.startswith("执") else "受理" if case.kind in ("财保", "破申", "未立案") else "正在审理"


def case_fields(case: Case | None) -> dict:
    """The case fields of the record: only what the text names (see ``Case.mention``)."""
    if case is None or case.mention == "none":
        return {"case_number": None, "case_name": None}
    return {"case_number": case.number if case.mention in ("both", "number") else None,
            "case_name": case.name if case.mention in ("both", "name") else None}


# ================================================================================================
# Scenario: the labels first, then the context they need
# ================================================================================================
TYPE_WEIGHTS = {"EXT_LEADER": 14, "EXT_ORG": 18, "EXT_AIDE_RELATIVE": 7, "EXT_IN_LEADER_NAME": 6, "INT_COURT_LEADER": 8,
                "INT_UPPER_COURT": 6, "INT_COURT_STAFF": 7, "INT_OTHER_JUDICIAL": 7, "PARTY_RELATED": 10,
                "EXEMPT_ENTRUSTED": 6, "NOT_INTERVENTION": 11}
FORM_WEIGHTS = {
    "EXT_LEADER": {"LETTER": 3, "DOCUMENT": 3, "PHONE": 3, "SMS_IM": 2, "ORAL": 2, "OTHER": 1},
    "EXT_ORG": {"LETTER": 6, "DOCUMENT": 3, "PHONE": 1, "SMS_IM": 1, "ORAL": 1},
    "EXT_AIDE_RELATIVE": {"PHONE": 3, "ORAL": 2, "SMS_IM": 2, "LETTER": 1, "OTHER": 1},
    "EXT_IN_LEADER_NAME": {"PHONE": 3, "ORAL": 2, "SMS_IM": 2, "LETTER": 1, "OTHER": 1},
    "INT_COURT_LEADER": {"ORAL": 3, "PHONE": 2, "SMS_IM": 2, "DOCUMENT": 2, "LETTER": 1},
    "INT_UPPER_COURT": {"PHONE": 3, "SMS_IM": 2, "ORAL": 1, "LETTER": 1, "DOCUMENT": 1},
    "INT_COURT_STAFF": {"ORAL": 3, "PHONE": 2, "SMS_IM": 2, "OTHER": 1, "LETTER": 1},
    "INT_OTHER_JUDICIAL": {"PHONE": 3, "ORAL": 2, "SMS_IM": 2, "LETTER": 1},
    "PARTY_RELATED": {"LETTER": 4, "SMS_IM": 2, "ORAL": 1, "PHONE": 1, "OTHER": 1},
    "EXEMPT_ENTRUSTED": {"LETTER": 4, "DOCUMENT": 2},
    "NOT_INTERVENTION": {"LETTER": 4, "DOCUMENT": 2, "SMS_IM": 1, "PHONE": 1, "OTHER": 1},
}
DEMAND_CODES = ("SR01", "SR02", "SR04", "SR05", "SR06", "SR07", "SR08", "SR09", "SR10", "SR11", "SR12", "SR13", "SR15")
PRIMARY_WEIGHTS = (8, 4, 7, 4, 5, 6, 4, 4, 8, 4, 5, 4, 4)  # SR10/SR07/SR01/SR04 are the common ones in practice
INTERNAL_TYPES = ("INT_COURT_LEADER", "INT_UPPER_COURT", "INT_COURT_STAFF", "INT_OTHER_JUDICIAL")


@dataclass
class Scenario:
    itype: str
    form: str
    demands: list[str]  # SR codes expressed as requests
    forwards: bool  # passes on a party's material (SR14 / IB02)
    info: bool  # asks for or leaks case information (IB01)
    generic: bool  # internal: asks about the case without a specific demand (IB03)
    sponsor: bool  # aide/relative says the leader told them to (SR03)
    place: Place
    court: Court
    case: Case
    when: date
    judge: str
    recorder: str
    slots: dict

    @property
    def special_report(self) -> list[str]:
        codes = set(self.demands) | ({"SR14"} if self.forwards else set()) | ({"SR03"} if self.sponsor else set())
        if INTERVENER_TYPES[self.itype].scope == "neither":
            return []
        return sorted(codes)

    @property
    def internal_behaviours(self) -> list[str]:
        if self.itype not in INTERNAL_TYPES:
            return []
        codes = {"IB01"} if self.info else set()
        codes |= {"IB02"} if self.forwards else set()
        codes |= {"IB03"} if (self.demands or self.generic) else set()
        return sorted(codes)


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    """A key of ``weights`` drawn with those weights."""
    keys = list(weights)
    return rng.choices(keys, [weights[k] for k in keys])[0]


def draw_demands(rng: random.Random, itype: str) -> list[str]:
    """1–3 compatible SR demand codes (all fit one case kind); sometimes none."""
    primary = rng.choices(DEMAND_CODES, PRIMARY_WEIGHTS)[0]
    codes = [primary]
    kinds = SR_CASE_KINDS.get(primary)
    for _ in range(rng.choice((0, 0, 1, 1, 2))):
        extra = rng.choice(DEMAND_CODES)
        extra_kinds = SR_CASE_KINDS.get(extra)
        if extra in codes or (kinds and extra_kinds and not set(kinds) & set(extra_kinds)):
            continue
        if extra == "SR15" and itype.startswith("INT") and rng.random() < 0.5:
            continue
        codes.append(extra)
        if extra_kinds:
            kinds = tuple(k for k in (kinds or extra_kinds) if k in extra_kinds)
    return codes


def kind_for(rng: random.Random, demands: list[str]) -> str:
    kinds: tuple[str, ...] = ALL_KINDS
    for code in demands:
        if code in SR_CASE_KINDS:
            kinds = tuple(k for k in kinds if k in SR_CASE_KINDS[code]) or SR_CASE_KINDS[code]
    return rng.choice(kinds)


def draw_scenario(rng: random.Random, itype: str | None = None, form: str | None = None) -> Scenario:
    """Labels first (type, form, items, behaviours), then a place, court, case and date that fit them."""
    itype = itype or _weighted(rng, TYPE_WEIGHTS)
    form = form or _weighted(rng, FORM_WEIGHTS[itype])
    intervention = INTERVENER_TYPES[itype].scope != "neither"
    demands: list[str] = []
    forwards = info = generic = sponsor = False
    if intervention:
        if itype in INTERNAL_TYPES:
            parts = rng.choice((("d",), ("d",), ("i",), ("f",), ("g",), ("d", "i"), ("d", "f"), ("i", "f"), ("g", "i")))
            demands = draw_demands(rng, itype) if "d" in parts else []
            info, forwards, generic = "i" in parts, "f" in parts, "g" in parts
        else:
            demands = draw_demands(rng, itype) if rng.random() > 0.08 else []
            forwards = rng.random() < (0.75 if form == "DOCUMENT" and itype == "EXT_LEADER" else 0.15)
            sponsor = (itype == "EXT_AIDE_RELATIVE" and rng.random() < 0.6) or (itype == "EXT_LEADER" and rng.random() < 0.12)
            if not demands and not forwards:
                info = True  # an outside leader only asking how the case stands: recorded, no special item
    if itype == "EXEMPT_ENTRUSTED":
        kind = rng.choice(("民初", "民初", "民终", "行初", "破申"))
    elif itype == "PARTY_RELATED":  # the party's own plea shapes the text but carries no SR label
        kind = rng.choice(ALL_KINDS)
        pleas = [c for c in ("SR01", "SR01", "SR02", "SR06", "SR07", "SR08", "SR10", "SR12") if fits(c, kind)]
        demands = sorted(set(rng.sample(pleas, rng.choice((1, 1, 2)))))
    else:
        kind = kind_for(rng, demands)
    when = date(2019, 1, 1) + timedelta(days=rng.randint(0, 6 * 365 + 180))
    place = draw_place(rng)
    case = draw_case(rng, place, kind, rng.randint(max(2016, when.year - 2), when.year))
    court = court_for(place, kind if kind != "未立案" else "民初")
    slots = {"party": case.party, "other": case.other, "person": case.person,
             "agency": rng.choice(AGENCIES).format(city=place.city, province=place.province),
             "project": rng.choice(PROJECTS), "doc": rng.choice(PETITION_DOCS), "n": rng.randint(50, 3000),
             "m": rng.randint(30, 900), "case_short": rng.choice(("这个案子", "该案", "那个案子"))}
    return Scenario(itype, form, demands, forwards, info, generic, sponsor, place, court, case, when,
                    person_name(rng), person_name(rng), slots)


# ================================================================================================
# Composition: sentences from the tables
# ================================================================================================
def fill(template: str, sc: Scenario) -> str:
    """``template`` with the scenario's slots ({party}, {other}, {person}, {agency} ...) filled."""
    return template.format(**sc.slots)


def case_tags(kind: str) -> set[str]:
    """The phrase tags a case of ``kind`` accepts (see the note above the data tables)."""
    if kind == "刑更":
        return {"诉"}
    if kind.startswith("刑"):
        return {"刑", "诉"}
    extra = {"执"} if kind in ("执", "执恢", "执保", "财保") else {"破"} if kind == "破申" else {"审"} if kind != "未立案" else set()
    return {"民"} | extra


def pick(rng: random.Random, sc: Scenario, phrases: tuple[str, ...]) -> str:
    """A phrase of ``phrases`` that fits the scenario's case (untagged phrases fit every case), slots filled."""
    tags = case_tags(sc.case.kind)
    fitting = [p for p in phrases if p[1:2] != "|" or p[0] in tags] or [p for p in phrases if p[1:2] != "|"] or list(phrases)
    phrase = rng.choice(fitting)
    return fill(phrase[2:] if phrase[1:2] == "|" else phrase, sc)


def demand_phrase(rng: random.Random, sc: Scenario, code: str) -> str:
    """A request verb phrase for ``code``, slots filled."""
    return pick(rng, sc, SR_PHRASES[code])


def softener(rng: random.Random, sc: Scenario) -> str:
    """A euphemism that softens a request (在法律允许的范围内 ...), or nothing."""
    return pick(rng, sc, SOFTENERS) if rng.random() < 0.55 else ""


def fits(code: str, kind: str) -> bool:
    """Whether a request of ``code`` makes sense for a case of ``kind``."""
    return code not in SR_CASE_KINDS or kind in SR_CASE_KINDS[code]


def plea_code(rng: random.Random, sc: Scenario) -> str:
    """The SR code of a party's own plea that fits its case (暂缓执行 in execution, 取保 in criminal ...)."""
    return rng.choice([c for c in ("SR10", "SR07", "SR06", "SR12", "SR01") if fits(c, sc.case.kind)])


def demand_sentences(rng: random.Random, sc: Scenario, voice: str, forward: bool = True) -> list[str]:
    """One request sentence per demand code, plus the forwarding (if ``forward``), info and generic parts."""
    out = []
    for code in sc.demands:
        out.append(rng.choice(WRAPPERS[voice]).format(soft=softener(rng, sc), vp=demand_phrase(rng, sc, code)))
    if sc.forwards and forward:
        phrases = IB02_PHRASES if (sc.itype in INTERNAL_TYPES and voice == "reported") else SR_PHRASES["SR14"]
        vp = fill(rng.choice(phrases), sc)
        out.append(vp + "。" if voice == "reported" and phrases is IB02_PHRASES else
                   rng.choice(WRAPPERS[voice]).format(soft="", vp=vp))
    if sc.info:
        internal_info = IB01_INSTRUCTION if voice == "instruction" else IB01_PHRASES
        vp = fill(rng.choice(internal_info), sc) if sc.itype in INTERNAL_TYPES else rng.choice(
            ("了解一下案件进展情况", "问问案子现在到哪一步了", "打听一下什么时候开庭"))
        out.append(rng.choice(INFO_WRAPPERS[voice]).format(vp=vp))
    if sc.generic:
        generic = IB03_INSTRUCTION if voice == "instruction" else IB03_PHRASES
        out.append(("他" if voice == "reported" else "") + fill(rng.choice(generic), sc) + "。")
    rng.shuffle(out)
    return out


def background(rng: random.Random, sc: Scenario) -> str:
    """A reason given for the request (jobs, taxes, stability; family for a defendant), or nothing."""
    kind = "person" if sc.case.kind.startswith("刑") else "company"
    return fill(rng.choice(BACKGROUNDS[kind]), sc) if rng.random() < 0.7 else ""


def wrap_lines(rng: random.Random, text: str) -> str:
    """Sometimes break long lines at a fixed width, as OCR of a printed page does."""
    if rng.random() > 0.35:
        return text
    width = rng.randint(16, 30)
    out = []
    for line in text.split("\n"):
        out.extend(line[i:i + width] for i in range(0, max(len(line), 1), width))
    return "\n".join(out)


# ================================================================================================
# Actors: who speaks, with the fields the record names
# ================================================================================================
@dataclass(frozen=True)
class Actor:
    name: str | None
    unit: str | None
    position: str | None
    intro_quote: str  # how they introduce themselves when speaking
    intro_reported: str  # how a record introduces them
    lead: str = ""  # a sentence invoking a leader (aide / in-leader's-name types)


def leader_actor(rng: random.Random, sc: Scenario) -> Actor:
    """An outside leader speaking or writing in their own name."""
    unit_t, positions = rng.choice(LEADERS)
    unit, position = sc.place.fill(unit_t, rng), sc.place.fill(rng.choice(positions), rng)
    name = person_name(rng)
    lead = rng.choice(LEADER_SENDS_AIDE).format(aide=rng.choice(AIDE_ROLES[:6] + ("爱人", "儿子"))) if sc.sponsor else ""
    return Actor(name, unit, position, rng.choice((f"我是{unit}的{position}{name}", f"我是{name}啊，{unit}{position}",
                                                   f"我{name}，在{unit}当{position}")), record_name(rng, name, unit, position), lead)


def record_name(rng: random.Random, name: str, unit: str, position: str, notes: tuple[str, ...] = ("",)) -> str:
    """How a record names someone by unit, post and name, in one of the usual orders."""
    return rng.choice((f"{unit}{position}{name}", f"{unit}{position}{name}", f"{name}（{unit}{position}）",
                       f"{unit}的{position}{name}", f"{name}，{unit}{position}，")).rstrip("，") + rng.choice(notes)


def leader_title(rng: random.Random, place: Place) -> str:
    """How a leader is named by others: surname + post, e.g. 王县长, 李书记."""
    _, positions = rng.choice(LEADERS[:6])
    position = place.fill(rng.choice(positions), rng).replace("常委、", "")
    return person_name(rng)[0] + position.split("、")[-1]


def leader_full_title(rng: random.Random, place: Place) -> str:
    """A leader named by unit and post, e.g. 梅川县人民政府副县长张某, 市里一位分管领导."""
    unit_t, positions = rng.choice(LEADERS[:8])
    if rng.random() < 0.2:
        return rng.choice(("市里一位主要领导", "县里分管领导", "上面的领导", "县委主要领导"))
    return place.fill(unit_t, rng) + place.fill(rng.choice(positions), rng).replace("常委、", "") + person_name(rng)


def fill_boss(template: str, boss: str) -> str:
    """``template`` with ``{boss}`` filled, the other slots kept for a later ``format``."""
    return template.replace("{boss}", boss)


def actor_for(rng: random.Random, sc: Scenario) -> Actor:
    """The intervener (or sender) of a record-style text, according to the type."""
    p, t = sc.place, sc.itype
    name = person_name(rng)
    if t == "EXT_LEADER":
        return leader_actor(rng, sc)
    if t == "EXT_AIDE_RELATIVE":
        boss = leader_title(rng, p) if rng.random() < 0.7 else leader_full_title(rng, p)
        role = rng.choice(AIDE_ROLES)
        lead = fill_boss(rng.choice(AIDE_LEADS), boss) if sc.sponsor else ""
        unit = f"{p.county}人民政府办公室" if role in STAFF_ROLES else None
        quote = fill_boss(rng.choice(AIDE_INTROS_QUOTE), boss).format(role=role, name=name, s=name[0])
        reported = fill_boss(rng.choice(AIDE_INTROS_REPORTED), boss).format(role=role, name=name)
        return Actor(name, unit, f"{boss}的{role}", quote, reported, lead)
    if t == "EXT_IN_LEADER_NAME":
        boss = leader_title(rng, p) if rng.random() < 0.7 else leader_full_title(rng, p)
        unit_t, position = rng.choice(MIDDLEMEN)
        unit = p.fill(unit_t, rng) if unit_t else None
        lead = fill_boss(rng.choice(IN_NAME_LEADS), boss)
        return Actor(name, unit, position, f"我是{unit or ''}{name}", f"{unit or ''}{position}{name}", lead)
    if t == "EXT_ORG":
        org = p.fill(rng.choice(ORGS)[0], rng)
        position = rng.choice(("办公室主任", "综合科科长", "副主任", "法律顾问", "工作人员"))
        return Actor(name, org, position, rng.choice((f"我是{org}的{name[0]}某，代表单位跟你们沟通", f"我是{org}{position}{name}，受单位委托")),
                     record_name(rng, name, org, position, ("（代表单位）", "（受单位指派）", "")))
    own_court = rng.choice(("本院", sc.court.name))  # records of the court's own people often just say 本院
    if t == "INT_COURT_LEADER":
        title = rng.choice(COURT_LEADER_TITLES)
        return Actor(name, own_court, title, rng.choice((f"我是{name[0]}{title[-2:]}", f"我是咱们院的{title}{name}", f"我，院里{title}{name}")),
                     record_name(rng, name, own_court, title))
    if t == "INT_UPPER_COURT":
        high = sc.court.name.endswith("中级人民法院") or rng.random() < 0.4
        upper, short = (f"{p.province}高级人民法院", "省高院") if high else (f"{p.city}中级人民法院", "市中院")
        title = rng.choice(UPPER_COURT_TITLES)
        return Actor(name, upper, title, rng.choice((f"我是{upper}的{title}{name}", f"我是{short}{title}{name}", f"我{short}的{name}，上级法院{title}")),
                     rng.choice(("上级法院", "")) + record_name(rng, name, upper, title))
    if t == "INT_COURT_STAFF":
        title = rng.choice(COURT_STAFF_TITLES)
        return Actor(name, own_court, title, rng.choice((f"我是{name}，院里的{title}", f"我是咱们院{title}{name}")),
                     record_name(rng, name, own_court, title))
    if t == "INT_OTHER_JUDICIAL":
        unit_t, titles = rng.choice(OTHER_JUDICIAL)
        unit, title = p.fill(unit_t, rng), p.fill(rng.choice(titles), rng)
        return Actor(name, unit, title, rng.choice((f"我是{unit}的{name}", f"我是{unit}{title}{name}")), record_name(rng, name, unit, title))
    if t == "PARTY_RELATED":
        return party_actor(rng, sc)
    raise ValueError(t)


def party_actor(rng: random.Random, sc: Scenario) -> Actor:
    """A party's representative, lawyer or (criminal cases) relative."""
    case, name = sc.case, person_name(rng)
    if case.kind.startswith("刑"):
        role = rng.choice(("妻子", "儿子", "父亲", "哥哥", "辩护律师"))
        unit = f"{sc.place.city}{rng.choice(ZIHAO)}律师事务所" if role == "辩护律师" else None
        return Actor(name, unit, "辩护人" if unit else None, f"我是{case.person}的{role}{name}",
                     f"{case.person}的{role}{name}")
    role = rng.choice(("法定代表人", "总经理", "委托诉讼代理人", "财务负责人"))
    if role == "委托诉讼代理人":
        firm = f"{sc.place.city}{rng.choice(ZIHAO)}律师事务所"
        return Actor(name, firm, "律师", f"我是{case.party}的代理律师{name}", f"{case.party}的代理律师{name}（{firm}）")
    return Actor(name, case.party, role, f"我是{case.party}的{role}{name}", f"{case.party}{role}{name}")


# ================================================================================================
# Renderers per form. Each returns (text, fields) for an intervention or party scenario.
# ================================================================================================
def fields_of(actor: Actor | None, sc: Scenario, when: date | None = None, **override) -> dict:
    """The record's fields: who (from ``actor``), the case as named, the date; ``override`` replaces any."""
    out = {"name": actor.name if actor else None, "unit": actor.unit if actor else None,
           "position": actor.position if actor else None, **case_fields(sc.case), "date": (when or sc.when).isoformat()}
    out.update(override)
    return out


def speech(rng: random.Random, sc: Scenario, actor: Actor, voice: str) -> str:
    """What the intervener said, quoted (first person) or reported (third person)."""
    ref = case_ref(sc.case, rng, voice)
    if voice == "quote":
        greetings = ("{j}法官你好，", "{j}庭长，", "") + (("喂，{j}法官吗？",) if sc.form == "PHONE" else ())
        parts = [rng.choice(greetings).format(j=sc.judge[0]), actor.intro_quote + "。",
                 rng.choice(("跟你说一下", "想问问", "有个事情，关于", "打扰一下，说说")) + ref + "的事。"]
    else:
        parts = [actor.intro_reported + rng.choice(("就", "针对", "反映", "谈到")) + ref + "，"]
    if actor.lead:
        parts.append(actor.lead if voice == "quote" else "称" + actor.lead.rstrip("，。") + "，")
    bg = background(rng, sc)
    if bg:
        parts.append(bg if voice == "quote" else "称" + bg)
    parts.extend(demand_sentences(rng, sc, voice))
    if voice == "quote":
        parts.append(rng.choice(("就这样，麻烦你了。", "辛苦了，改天再聊。", "", "拜托了。")))
    return "".join(parts)


def render_phone(rng: random.Random, sc: Scenario, actor: Actor) -> tuple[str, dict]:
    """PHONE: a call record written by court staff (来电人/单位/职务/来电内容/记录人)."""
    lines = [rng.choice(("来电记录", "电话过问情况记录", "过问案件电话记录表", "干预司法活动情况记录表（电话）")),
             f"来电时间：{write_time(rng, sc.when)}", f"来电人：{actor.name}"]
    if actor.unit:
        lines.append(f"单位：{actor.unit}" + (f"    职务：{actor.position}" if actor.position else ""))
    elif actor.position:
        lines.append(f"身份：{actor.position}")
    if rng.random() < 0.5:
        lines.append(f"来电号码：1{rng.randint(30, 99)}****{rng.randint(1000, 9999)}")
    lines.append(f"接听人：{sc.judge}（{rng.choice(('承办法官', '执行法官', '审判长', '法官助理'))}）")
    if sc.case.mention != "none":
        lines.append(f"涉及案件：{case_ref(sc.case, rng, 'reported')}")
    voice = rng.choice(("reported", "quote"))
    lines.append("来电内容：" + ("" if voice == "reported" else "对方称：") + speech(rng, sc, actor, voice))
    lines.append("处理情况：" + rng.choice(("已告知对方法院将依法独立审理，并如实记录。", "承办法官表示将依法处理，已录入专库。",
                                           "已婉拒，并告知其通过正当渠道反映。")))
    lines.append(f"记录人：{sc.recorder}    记录时间：{write_date(rng, sc.when, 'arabic')}")
    return "\n".join(lines), fields_of(actor, sc)


def render_oral(rng: random.Random, sc: Scenario, actor: Actor) -> tuple[str, dict]:
    """ORAL: a record of a face-to-face request with place and people present, signed by them."""
    place = rng.choice(("本院执行局办公室", "承办法官办公室", "本院审判楼三楼接待室", "院长办公室", f"{sc.place.county}人民政府会议室",
                        "本院食堂门口", "本院诉讼服务中心"))
    present = "、".join([sc.judge, sc.recorder] + ([person_name(rng)] if rng.random() < 0.4 else []))
    lines = [rng.choice(("当面过问情况记录", "来访过问登记表", "口头过问案件记录")), f"时间：{write_time(rng, sc.when)}",
             f"地点：{place}", f"过问人：{actor.intro_reported}", f"在场人员：{present}"]
    if sc.case.mention != "none" and rng.random() < 0.6:
        lines.append(f"涉及案件：{case_ref(sc.case, rng, 'reported')}")
    lines.append("过问内容：" + speech(rng, sc, actor, rng.choice(("reported", "reported", "quote"))))
    lines.append("以上记录经在场人员核对无误。")
    lines.append(f"在场人员签名：{present}    记录人：{sc.recorder}    {write_date(rng, sc.when, 'arabic')}")
    return "\n".join(lines), fields_of(actor, sc)


def render_im(rng: random.Random, sc: Scenario, actor: Actor) -> tuple[str, dict]:
    """SMS_IM: a WeChat transcript, an SMS record or an e-mail, each naming its storage medium."""
    kind = rng.choice(("wechat", "wechat", "sms", "email"))
    body = speech(rng, sc, actor, "quote")
    t = datetime(sc.when.year, sc.when.month, sc.when.day, rng.randint(7, 22), rng.randint(0, 59))
    if kind == "email":
        sender = f"{''.join(rng.choice('abcdefghjkmnpqrstwxyz') for _ in range(rng.randint(4, 8)))}{rng.randint(1, 999)}@{rng.choice(('163.com', 'qq.com', 'gov.cn', '126.com'))}"
        lines = [f"发件人：{actor.name} <{sender}>", f"收件人：{sc.judge}", f"日期：{write_date(rng, sc.when, 'arabic')} {t:%H:%M}",
                 f"主题：{rng.choice(('关于', '请关注', '反映'))}{case_ref(sc.case, rng, 'written')[:30]}", "", body,
                 "", f"{actor.name}", f"{actor.unit or ''}{actor.position or ''}", "（存储介质：承办法官办公邮箱，已导出打印存档）"]
    elif kind == "sms":
        lines = ["短信记录", f"发信人：{actor.name}（{actor.unit or ''}{actor.position or ''}）",
                 f"接收人：{sc.judge}", f"时间：{t:%Y-%m-%d %H:%M}", f"内容：{body}",
                 f"存储介质：{rng.choice(('承办法官手机短信，已截图存档', '工作手机，截屏打印附卷'))}"]
    else:
        nick = rng.choice((f"{actor.name[0]}{(actor.position or '总')[:1]}", actor.name, f"{actor.name[0]}哥", "老" + actor.name[0]))
        lines = ["微信聊天记录（截图转录）", f"存储介质：{sc.judge}{rng.choice(('工作手机', '个人手机'))}微信，截图已刻录光盘存档",
                 f"对方：{nick}（{actor.intro_reported}）"]
        msgs = [m for m in body.replace("？", "？|").replace("。", "。|").split("|") if m]
        step = max(1, len(msgs) // rng.randint(1, 3))
        for i in range(0, len(msgs), step):
            lines.append(f"{t:%Y-%m-%d %H:%M} {nick}：{''.join(msgs[i:i + step])}")
            t += timedelta(minutes=rng.randint(0, 9))
        lines.append(f"{t:%Y-%m-%d %H:%M} {sc.judge}：{rng.choice(('收到，我们会依法处理。', '案件正在依法办理中。', '好的。'))}")
    return "\n".join(lines), fields_of(actor, sc)


def render_note(rng: random.Random, sc: Scenario, actor: Actor) -> tuple[str, dict]:
    """OTHER form: a handwritten note left on the desk or a business card with a message."""
    body = speech(rng, sc, actor, "quote")
    if rng.random() < 0.5:
        lines = ["名片正面：", f"{actor.unit or ''}", f"{actor.position or ''}  {actor.name}", f"电话：1{rng.randint(30, 99)}{rng.randint(10000000, 99999999)}",
                 "名片背面手写：", body, f"（{rng.choice(('名片夹在卷宗中', '由门卫转交', '放在承办法官桌上'))}，{write_date(rng, sc.when, 'arabic')}登记）"]
    else:
        lines = ["便条", f"{sc.judge[0]}法官：", "  " + body, f"  {actor.name}", f"  {sc.when.month}月{sc.when.day}日",
                 f"（登记说明：此便条由{rng.choice(('门卫', '书记员', '诉讼服务中心'))}转交，附{actor.unit or ''}{actor.position or ''}名片一张。）"]
    return "\n".join(lines), fields_of(actor, sc)


def personal_letter(rng: random.Random, sc: Scenario, actor: Actor) -> tuple[str, dict]:
    """A letter in a person's own name: a leader, an aide, a middleman, internal staff or a party."""
    internal = sc.itype in INTERNAL_TYPES
    addressee = rng.choice((f"尊敬的{sc.judge[0]}法官", f"{sc.judge}同志") + (() if internal else (
        sc.court.name, f"尊敬的{person_name(rng)[0]}院长")))
    ref = case_ref(sc.case, rng, "written")
    header = [actor.unit] if sc.itype == "EXT_LEADER" and actor.unit and rng.random() < 0.3 else []  # personal letter on letterhead
    body = header + [f"{addressee}：", "　　您好！" + actor.intro_quote + "。" + rng.choice(("现就", "冒昧写信，是为", "关于")) + ref + "一事写信给您。"]
    requests = "".join(demand_sentences(rng, sc, "written"))
    body.append("　　" + actor.lead + background(rng, sc) + (requests.replace("贵院", "您") if internal else requests))
    body.append("　　" + rng.choice(("以上请予考虑。", "给您添麻烦了。", "盼复。", "不胜感激！")))
    body += ["此致", "敬礼！", f"　　　　{actor.unit or ''}{actor.position or ''}　{actor.name}" if rng.random() < 0.6 else f"　　　　{actor.name}",
             f"　　　　{write_date(rng, sc.when)}"]
    if sc.forwards:
        body.append(f"附：{sc.slots['party']}《{sc.slots['doc']}》一份")
    return "\n".join(body), fields_of(actor, sc)


HOW_CONTACTED = {
    "PHONE": ("给我打来电话", "打电话到我办公室", "用手机给我打电话", "通过座机联系我"),
    "ORAL": ("来到我办公室", "在院门口拦住我", "在一次饭局上找到我", "到执行局找我"),
    "SMS_IM": ("通过微信给我发来消息", "给我发短信", "在微信上给我留言"),
    "OTHER": ("托人给我带来一张便条", "在我桌上留了一张名片", "让门卫转交一封信"),
    "LETTER": ("给我寄来一封信",),
}
REPORT_TO = ("院党组：", "院监察室：", "审判管理办公室：", "院领导：", "院纪检监察组：", "")


def judge_report(rng: random.Random, sc: Scenario, actor: Actor) -> tuple[str, dict]:
    """A judge's own narrative report of an intervention (情况报告), signed by the judge, not the intervener."""
    who = actor.name if rng.random() < 0.5 else "有关人员"
    title = rng.choice((f"关于{who}过问案件的情况报告", "情况报告", "关于有关人员过问案件的情况说明", "过问案件情况说明",
                        "干预司法活动情况报告"))
    when = write_date(rng, sc.when, rng.choice(("arabic", "arabic", "chinese")))
    how = rng.choice(HOW_CONTACTED[sc.form])
    lines = [title, rng.choice(REPORT_TO), f"　　{when}{rng.choice(('上午', '下午', '晚上', ''))}，{actor.intro_reported}{how}。",
             "　　" + speech(rng, sc, actor, rng.choice(("reported", "reported", "quote"))),
             "　　" + rng.choice(("我当即表示案件将依法独立审理，并按规定如实记录。", "我已明确拒绝，告知其通过正当渠道反映。",
                                 "现根据有关规定如实报告。", "")),
             "　　特此报告。",
             f"　　　　报告人：{sc.judge}（{rng.choice(('承办法官', '执行法官', '审判长', '法官助理'))}）",
             f"　　　　{write_date(rng, sc.when, 'arabic')}"]
    return "\n".join(line for line in lines if line.strip()), fields_of(actor, sc)


RECORD_RENDERERS = {"PHONE": render_phone, "ORAL": render_oral, "SMS_IM": render_im, "OTHER": render_note, "LETTER": personal_letter}

# ---------------------------------------------------------------------------------------------- 公文
ORG_TOPICS = {
    "SR01": "关于请予关注{party}涉诉案件的函", "SR02": "关于商请安排听取{party}意见的函", "SR04": "关于依法妥善处理{party}相关案件的函",
    "SR05": "关于暂缓受理涉{project}系列案件的函", "SR06": "关于商请暂缓审理相关案件的函", "SR07": "关于商请解除{party}账户冻结措施的函",
    "SR08": "关于推荐评估（管理）机构的函", "SR09": "关于优先支付农民工工资款的函", "SR10": "关于商请对{party}案件暂缓执行的函",
    "SR11": "关于涉案财物处置有关问题的函", "SR12": "关于商请对{person}变更强制措施的函", "SR13": "关于罪犯{person}减刑有关情况的函",
    "SR15": "关于及时通报案件处理情况的函", "SR14": "关于转送{party}情况反映的函", "info": "关于了解{party}涉诉案件办理情况的函",
}
CLOSINGS = ("特此函告。", "特此函商。", "妥否，请函复。", "请予支持为盼。", "望予支持。", "特此函达。", "请将处理结果函告我单位。")


def org_header(rng: random.Random, sc: Scenario) -> tuple[str, str]:
    """(organ name, 发文字号) for a 函 of an organ near the receiving court."""
    name_t, code_t = rng.choice(ORGS)
    return sc.place.fill(name_t, rng), doc_number(rng, sc.place.fill(code_t, rng), sc.when.year)


def official_letter(rng: random.Random, sc: Scenario, organ: str, number: str, title: str, paragraphs: list[str],
                    closing: str, cc: bool = True) -> str:
    """A 函 in GB/T 9704 信函格式: organ, 文号, title, 主送, 正文, closing, 署名, 成文日期, 抄送."""
    addressee = rng.choice((sc.court.name, sc.court.name, sc.court.short))
    lines = [organ + ("" if rng.random() < 0.8 else "（函）"), number, title, f"{addressee}："]
    lines += ["　　" + p for p in paragraphs if p]
    lines.append("　　" + closing)
    if rng.random() < 0.3:
        lines.append(f"　　（联系人：{person_name(rng)}，电话：0{rng.randint(700, 899)}-{rng.randint(1000000, 9999999)}）")
    lines += [f"　　　　　　　　　　{organ}", f"　　　　　　　　　　{write_date(rng, sc.when, rng.choice(('arabic', 'arabic', 'chinese')))}"]
    if cc and rng.random() < 0.55:
        lines.append("抄送：" + "，".join(rng.sample((f"{sc.place.county}委政法委", f"{sc.place.city}中级人民法院", f"{sc.place.county}人大常委会办公室",
                                                       f"{sc.place.county}工商业联合会", "县委办", "县政府办"), 2)) + "。")
    if rng.random() < 0.3:
        lines.append(f"{organ}办公室　{write_date(rng, sc.when, 'arabic')}印发")
    return wrap_lines(rng, "\n".join(lines))


def render_org_letter(rng: random.Random, sc: Scenario) -> tuple[str, dict]:
    """EXT_ORG LETTER: an organ's 函 making demands on a case."""
    organ, number = org_header(rng, sc)
    main = sc.demands[0] if sc.demands else ("SR14" if sc.forwards else "info")
    title = fill(ORG_TOPICS[main], sc)
    ref = case_ref(sc.case, rng, "written")
    intro = rng.choice((f"{rng.choice(('你院', '贵院'))}{handling(sc.case)}的{ref}，", f"关于{ref}，",
                        f"近期，{sc.slots['party']}向我{rng.choice(('县', '单位', '委'))}反映{ref}有关情况。"))
    if "集团" in organ and rng.random() < 0.6:  # an SOE that is only the parent of a party is still EXT_ORG
        intro = f"{sc.slots['party']}系我集团控股子公司。" + intro
    paragraphs = [intro + background(rng, sc), "".join(demand_sentences(rng, sc, "written"))]
    if sc.forwards:
        paragraphs.append(f"附件：{sc.slots['party']}《{sc.slots['doc']}》")
    text = official_letter(rng, sc, organ, number, title, paragraphs, rng.choice(CLOSINGS))
    return text, fields_of(None, sc, unit=organ)


def render_minutes(rng: random.Random, sc: Scenario) -> tuple[str, dict]:
    """EXT_ORG DOCUMENT: a 专题会议纪要 that settles what the court will do, or a 督办单."""
    organ, number = org_header(rng, sc)
    ref = case_ref(sc.case, rng, "written")
    if rng.random() < 0.6:
        chair = f"{person_name(rng)}{rng.choice(('副县长', '常务副县长', '县委副书记', '政法委书记'))}"
        items = [softener(rng, sc) + demand_phrase(rng, sc, code) for code in sc.demands] or [
            rng.choice(("依法妥善处理该案", "加快办理进度", "做好相关工作"))]
        lines = [f"{organ}", "专题会议纪要", number.replace("函", "纪"), f"{write_date(rng, sc.when, 'arabic')}，{chair}主持召开专题会议，研究{ref}有关问题。"
                 f"县法院、县发改局、县工信局{rng.choice(('及相关企业负责人', '、县公安局', ''))}参加会议。纪要如下："]
        lines += [f"{'一二三四'[i]}、会议明确，县法院{it}。" for i, it in enumerate(items)]
        lines.append(f"出席：{person_name(rng)}、{person_name(rng)}、{person_name(rng)}")
        lines.append(f"分送：{sc.court.name}，县直有关单位。")
        sc.demands = sc.demands if "SR04" in sc.demands else ["SR04"] + sc.demands  # the 纪要 itself is SR04
        sc.forwards = sc.info = False
    else:
        lines = [f"{organ}", "督办单", f"编号：{number}", f"督办事项：{sc.slots['party']}反映{ref}有关问题",
                 "督办要求：" + "".join(demand_sentences(rng, sc, "written")) + "请于十日内将办理结果书面报送。",
                 f"督办单位：{organ}", f"{write_date(rng, sc.when)}"]
        if "SR15" not in sc.demands:
            sc.demands = sc.demands + ["SR15"]  # demanding a written report of the outcome
    return wrap_lines(rng, "\n".join(lines)), fields_of(None, sc, unit=organ)


def petition(rng: random.Random, sc: Scenario) -> str:
    """A party's own plea (forwarded by a leader or written to the judge)."""
    plea = plea_code(rng, sc)
    return (f"关于请求{rng.choice(('帮助解决', '依法公正处理', '协调'))}{case_ref(sc.case, rng, 'written')}的{rng.choice(('紧急报告', '请示', '情况反映'))}\n"
            f"　　我{'公司' if '公司' in sc.slots['party'] else '家'}因{case_ref(sc.case, rng, 'written')}陷入困境。"
            + background(rng, sc) + "恳请领导出面协调，" + demand_phrase(rng, sc, plea) + "。\n"
            f"　　　　{sc.slots['party']}\n　　　　{write_date(rng, sc.when - timedelta(days=rng.randint(3, 30)))}")


def render_instruction(rng: random.Random, sc: Scenario, actor: Actor) -> tuple[str, dict]:
    """DOCUMENT: a leader's 批示 written on a forwarded petition (external leader or court leader)."""
    if sc.itype == "INT_COURT_LEADER":
        to = rng.choice((f"请{sc.judge}同志", "请执行局", "请民一庭", "请承办法官", f"{sc.judge[0]}庭长"))
    else:
        to = rng.choice((f"请{sc.court.short}", f"请{sc.court.name}", f"{person_name(rng)[0]}院长", f"请{sc.judge}同志"))
    demands = "".join(demand_sentences(rng, sc, "instruction", forward=False))
    order = rng.choice(("阅处。", "阅，", "阅研。", "阅示。")) + actor.lead + demands + rng.choice(("", "请依法妥善处理。", "请关注。"))
    head = rng.choice(("领导批示：", "批示：", "【批示件】", ""))
    signer = actor.name if rng.random() < 0.3 else f"{actor.unit}{actor.position}　{actor.name}"
    banner = [rng.choice(("领导批示件", "批示单", f"{actor.unit}领导批示"))] if rng.random() < 0.5 else []
    lines = banner + [head + to + order, signer, write_date(rng, sc.when, rng.choice(("dot", "arabic"))), "—" * 10]
    if sc.forwards:
        lines.append(petition(rng, sc))
    else:
        lines.append(f"（{rng.choice(('批示件', '手写批示'))}，涉及{case_ref(sc.case, rng, 'written')}，原件存办公室）")
    return "\n".join(lines), fields_of(actor, sc)


# ================================================================================================
# Distractors: parties, entrusted opinions, ordinary mail
# ================================================================================================
def render_party(rng: random.Random, sc: Scenario) -> tuple[str, dict]:
    """A party, its lawyer or relative writing or talking to the judge directly (outside the proper channel)."""
    actor = party_actor(rng, sc)
    if actor.unit == sc.case.party:
        sc.slots["party"] = "我公司"
    elif actor.position == "律师":
        sc.slots["party"] = "我的当事人"
    voice_form = sc.form
    if voice_form == "LETTER" and rng.random() < 0.4 and actor.unit == sc.case.party:
        co_abbr = sc.case.party[len(sc.place.county) - 1:][:2] or "公司"
        ref = case_ref(sc.case, rng, "written")
        paragraphs = [f"我公司系{rng.choice(('贵院', '你院'))}{ref}的{rng.choice(('被执行人', '被告', '当事人'))}。" + background(rng, sc),
                      "".join(demand_sentences(rng, sc, "written")),
                      f"随函附上《{sc.slots['doc']}》，恳请{sc.judge[0]}法官{rng.choice(('私下', '先', '抽空'))}阅看。"]
        text = official_letter(rng, sc, sc.case.party, doc_number(rng, f"{co_abbr}公司函", sc.when.year),
                               f"关于恳请{rng.choice(('暂缓执行', '依法公正审理', '关注企业困难'))}的函", paragraphs, rng.choice(CLOSINGS), cc=False)
        text = text.replace(sc.court.name + "：", f"{sc.court.name}{sc.judge[0]}法官：", 1)
        return text, fields_of(actor, sc)
    if voice_form == "LETTER" and rng.random() < 0.45:
        return plea_letter(rng, sc, actor)
    if voice_form in ("PHONE", "ORAL", "SMS_IM") and rng.random() < REPORT_SHARE:
        return judge_report(rng, sc, actor)
    renderer = RECORD_RENDERERS[voice_form]
    text, fields = renderer(rng, sc, actor)
    if voice_form == "LETTER" and rng.random() < 0.5:
        text += rng.choice(("\n（本信寄至承办法官家中）", "\n（信封注明“{j}法官亲启”，未经诉讼服务中心登记）".format(j=sc.judge[0]),
                            "\n附：补充证据材料一份，请不要告诉对方。"))
    return text, fields


PLEA_OPENINGS = ("我实在是走投无路了，才冒昧给您写这封信。", "请原谅我直接给您写信。", "我是一个普通老百姓，不懂法律，只能求您了。",
                 "听说您是这个案子的承办法官，特地给您写信。", "思前想后，还是决定给您写信说说心里话。")
PLEA_CLOSINGS = ("求求您了！", "万分感谢！", "恳请您一定帮帮我们！", "我们全家都会感激您的。", "盼望您的回音。")


def plea_letter(rng: random.Random, sc: Scenario, actor: Actor) -> tuple[str, dict]:
    """A party's, lawyer's or relative's own letter to the judge or president, sent privately."""
    to = rng.choice((f"尊敬的{sc.judge[0]}法官", f"尊敬的{person_name(rng)[0]}院长", f"{sc.judge}法官", "尊敬的法官", "尊敬的院领导"))
    ref = case_ref(sc.case, rng, "written")
    pleas = "".join(demand_sentences(rng, sc, "written")).replace("贵院", "您")
    lines = [f"{to}：", "　　您好！" + rng.choice(PLEA_OPENINGS) + actor.intro_quote + "。",
             f"　　{rng.choice(('关于', '就', '我们家的'))}{ref}，" + background(rng, sc) + pleas,
             "　　" + rng.choice(PLEA_CLOSINGS), "此致", "敬礼！", f"　　　　{actor.intro_reported if rng.random() < 0.3 else actor.name}",
             f"　　　　{write_date(rng, sc.when)}"]
    if rng.random() < 0.4:
        lines.append(rng.choice(("（本信直接寄给承办法官，未经立案登记）", "附：相关材料复印件若干", "（此信由其家属送到法官办公室）")))
    return "\n".join(lines), fields_of(actor, sc)


EXEMPT_ORGS = (("{county}自然资源局", "{a}自然资函"), ("{county}人民政府", "{a}政函"), ("{province}消费者权益保护委员会", "{pa}消委函"),
               ("{city}生态环境局", "{ca}环函"), ("{province}建筑业协会", "{pa}建协函"), ("{county}人力资源和社会保障局", "{a}人社函"),
               ("{city}律师协会", "{ca}律协函"))


def render_exempt(rng: random.Random, sc: Scenario) -> tuple[str, dict]:
    name_t, code_t = rng.choice(EXEMPT_ORGS)
    organ, number = sc.place.fill(name_t, rng), doc_number(rng, sc.place.fill(code_t, rng), sc.when.year)
    ref = case_ref(sc.case, rng, "written")
    asked = sc.when - timedelta(days=rng.randint(5, 40))
    opinion = "".join(fill(o, sc) for o in rng.sample(EXEMPT_OPINIONS, rng.choice((1, 2))))
    style = rng.random()
    if style < 0.55:
        title = f"关于{ref[:40]}有关问题的复函"
        paragraphs = [f"你院《关于{rng.choice(('征询', '商请提供'))}{rng.choice(('相关意见', '有关情况', '政策依据'))}的函》"
                      f"（{write_date(rng, asked, 'arabic')}）收悉。经研究，现复函如下：", opinion,
                      rng.choice(("以上意见仅供参考。", "以上情况供贵院依法审理时参考。", ""))]
        closing = "特此函复。"
    elif style < 0.8:
        title = rng.choice(("参考意见书", "关于相关行业问题的专业意见", "专家咨询意见"))
        paragraphs = [f"受贵院委托，我{rng.choice(('会', '局', '单位'))}就{ref}中涉及的{rng.choice(('行业惯例', '技术标准', '政策适用'))}问题，"
                      "依据有关规定组织研究，现提出意见如下：", opinion, "本意见系应贵院委托依程序提出，供贵院参考。"]
        closing = "特此函告。"
    elif sc.case.kind in ("民初", "行初"):
        title = "关于支持提起公益诉讼的意见"
        paragraphs = [f"根据贵院《参考意见征询函》及{ref}的需要，经贵院许可，我单位就该公益诉讼案件涉及的公共利益问题提出意见：", opinion]
        closing = "特此函告。"
    else:
        title = "关于有关情况的说明"
        paragraphs = [f"根据你院来函要求，现将{ref}涉及的有关情况说明如下：", opinion, "以上情况仅供参考。"]
        closing = "特此说明。"
    if sc.form == "DOCUMENT":
        text = "\n".join([organ, title, f"{sc.court.name}：", *paragraphs, closing, organ, write_date(rng, sc.when)])
        return wrap_lines(rng, text), fields_of(None, sc, unit=organ)
    return official_letter(rng, sc, organ, number, title, paragraphs, closing), fields_of(None, sc, unit=organ)


def _notice(rng: random.Random, sc: Scenario) -> tuple[str, dict]:
    """A meeting notice (通知) copied to the court: no case, no demand."""
    organ, number = org_header(rng, sc)
    topic = rng.choice(("全县优化营商环境工作推进会", "涉企矛盾纠纷化解工作座谈会", "平安建设工作会议", "安全生产工作会议",
                        "人大代表视察法院执行工作活动", "政协委员座谈会", "防汛工作部署会"))
    when2 = sc.when + timedelta(days=rng.randint(2, 10))
    text = "\n".join([organ, number.replace("函", "发"), f"关于召开{topic}的通知", f"{rng.choice(('县直各单位', '各乡镇、县直有关单位'))}、{sc.court.name}：",
                      f"　　经研究，定于{write_date(rng, when2, 'arabic')}上午9时在{sc.place.county}行政中心{rng.randint(1, 9)}楼会议室召开{topic}。"
                      f"请各单位{rng.choice(('分管领导', '主要负责人', '一名负责同志'))}参加，并于会前报送参会人员名单。",
                      "　　特此通知。", f"　　　　{organ}", f"　　　　{write_date(rng, sc.when)}"])
    return wrap_lines(rng, text), fields_of(None, sc, unit=organ, case_number=None, case_name=None)


def _assist_receipt(rng: random.Random, sc: Scenario) -> tuple[str, dict]:
    """A bank's or registry's 协助执行通知书回执."""
    unit = rng.choice(LENDERS).format(county=sc.place.county, city=sc.place.city) if rng.random() < 0.5 else f"{sc.place.county}不动产登记中心"
    text = "\n".join(["协助执行通知书（回执）", f"{sc.court.name}：",
                      f"　　你院{sc.case.written or ''}协助执行通知书收悉，我单位已于{write_date(rng, sc.when, 'arabic')}按要求办理"
                      f"{rng.choice(('冻结', '查封登记', '扣划', '解除冻结'))}手续。{rng.choice(('冻结金额人民币' + str(sc.slots['n']) + '元。', '相关不动产已登记查封。', ''))}",
                      f"　　经办人：{person_name(rng)}", f"　　{unit}（盖章）", f"　　{write_date(rng, sc.when)}"])
    return text, {**fields_of(None, sc, unit=unit), "case_number": sc.case.number, "case_name": None}


def _file_request(rng: random.Random, sc: Scenario) -> tuple[str, dict]:
    """调卷函 of a procuratorate, police or upper court, with its legal documents (a duty, not an intervention)."""
    p = sc.place
    organ, short, code, doc, purpose = rng.choice((
        (f"{p.county}人民检察院", "院", f"{p.county_abbr}检民调", "受理通知书（复印件）", "因办理民事诉讼监督案件需要"),
        (f"{p.city}人民检察院", "院", f"{p.city_abbr}检民监", "监督案件受理决定书", "根据《人民检察院民事诉讼监督规则》有关规定"),
        (f"{p.county}公安局", "局", f"{p.county_abbr}公（刑）协字", "立案决定书、协助查询财产通知书", "因侦查工作需要"),
        (f"{p.city}中级人民法院", "院", f"（{sc.when.year}）{p.city_code}民申{rng.randint(1, 999)}号", "再审申请受理通知书", "因审查再审申请需要")))
    number = f"{code}〔{sc.when.year}〕{rng.randint(1, 99)}号" if "号" not in code else code
    text = "\n".join([organ, number, rng.choice(("调阅卷宗函", "调卷函", "协助查询函")), f"{sc.court.name}：",
                      f"　　{purpose}，请协助调阅{case_ref(sc.case, rng, 'written')}全部卷宗材料（正、副卷）。"
                      f"我{short}承办人{person_name(rng)}、{person_name(rng)}持本函及工作证前来办理。",
                      f"　　附：{doc}", f"　　　　{organ}（印）", f"　　　　{write_date(rng, sc.when)}"])
    return wrap_lines(rng, text), fields_of(None, sc, unit=organ)


def _filed_material(rng: random.Random, sc: Scenario) -> tuple[str, dict]:
    """A party's plea filed through the 诉讼服务中心: the proper channel, ordinary mail."""
    actor = party_actor(rng, sc)
    plea = demand_phrase(rng, sc, plea_code(rng, sc)).replace(sc.case.party, "申请人")
    text = "\n".join([f"诉讼服务中心收件登记　收件编号：SF{sc.when:%Y%m%d}{rng.randint(100, 999)}", rng.choice(("申请书", "代理词", "补充证据目录及说明")),
                      f"申请人：{actor.intro_reported}", f"案号：{sc.case.written}",
                      f"　　申请人就{case_ref(sc.case, rng, 'written')}，依法提交本{rng.choice(('申请', '材料'))}，请求{plea}。",
                      f"　　此致\n{sc.court.name}", f"　　申请人：{actor.name}", f"　　{write_date(rng, sc.when)}",
                      "（已通过诉讼服务中心登记，转承办部门）"])
    return text, {**fields_of(actor, sc), "case_number": sc.case.number, "case_name": None}


def _misc(rng: random.Random, sc: Scenario) -> tuple[str, dict]:
    """A thank-you letter, a newspaper subscription notice or a law firm's 律师函 of representation."""
    choice = rng.random()
    if choice < 0.35:
        name = person_name(rng)
        text = "\n".join(["感谢信", f"尊敬的{sc.court.name}：", f"　　{case_ref(sc.case, rng, 'written')}已于{write_date(rng, sc.when - timedelta(days=30), 'arabic')}执行完毕，"
                          f"{sc.judge}法官依法高效办案，特致谢意！", f"　　{name}", f"　　{write_date(rng, sc.when)}"])
        return text, {**fields_of(None, sc), "name": name}
    if choice < 0.6:
        unit = f"{sc.place.city}日报社"
        text = "\n".join([f"关于征订{sc.when.year + 1}年度党报党刊的通知", f"{sc.court.name}：", "　　根据市委宣传部要求，现开展年度重点党报党刊征订工作，请于月底前报送订阅数量。",
                          f"　　{unit}发行部", f"　　{write_date(rng, sc.when)}"])
        return text, fields_of(None, sc, unit=unit, case_number=None, case_name=None)
    unit = f"{sc.place.city}{rng.choice(ZIHAO)}律师事务所"
    text = "\n".join(["律师事务所函", f"{rng.choice(ZIHAO)}律函〔{sc.when.year}〕{rng.randint(1, 300)}号", f"{sc.court.name}：",
                      f"　　本所接受{sc.case.party}委托，指派{person_name(rng)}律师担任{case_ref(sc.case, rng, 'written')}的诉讼代理人，特此函告。",
                      "　　附：授权委托书、律师执业证复印件。", f"　　{unit}", f"　　{write_date(rng, sc.when)}"])
    return text, fields_of(None, sc, unit=unit)


def _phone_enquiry(rng: random.Random, sc: Scenario) -> tuple[str, dict]:
    """A call asking how to file or pay: service, not intervention."""
    name = person_name(rng)
    text = "\n".join(["来电登记", f"来电时间：{write_time(rng, sc.when)}", f"来电人：{name}", "来电事由：咨询" + rng.choice(("立案所需材料", "网上缴费流程", "诉讼费退费手续", "调解室开放时间")),
                      "答复情况：已告知通过诉讼服务中心或12368热线办理。", f"记录人：{sc.recorder}"])
    return text, {**fields_of(None, sc), "name": name, "case_number": None, "case_name": None}


def _email_notice(rng: random.Random, sc: Scenario) -> tuple[str, dict]:
    """A routine e-mail from a government office to all units."""
    text = "\n".join([f"发件人：{sc.place.county}人民政府办公室 <zfb@{rng.choice(('gov.cn', 'xx.gov.cn'))}>", f"收件人：{sc.court.name}办公室",
                      f"主题：关于报送{sc.when.year}年度平安建设工作总结的通知", "",
                      f"各单位：请于{write_date(rng, sc.when + timedelta(days=15), 'arabic')}前报送年度平安建设工作总结电子版。谢谢！"])
    return text, fields_of(None, sc, unit=f"{sc.place.county}人民政府办公室", case_number=None, case_name=None)


def _internal_notice(rng: random.Random, sc: Scenario) -> tuple[str, dict]:
    """The court's own office circulating a routine notice (training, inspection, duty roster)."""
    office = f"{sc.court.name}{rng.choice(('办公室', '政治部', '审判管理办公室', '机关党委'))}"
    topic = rng.choice(("开展法官业务培训", "做好案卷归档检查", "报送季度审判执行数据", "安排节假日值班", "开展保密自查",
                        "组织旁听庭审观摩活动"))
    text = "\n".join([office, f"关于{topic}的通知", rng.choice(("各庭室：", "院属各部门：", "各审判业务部门：")),
                      f"　　为{rng.choice(('进一步规范工作', '提升审判质效', '落实上级部署'))}，现就{topic}有关事项通知如下："
                      f"请于{write_date(rng, sc.when + timedelta(days=rng.randint(3, 20)), 'arabic')}前完成并报{office}。",
                      "　　特此通知。", f"　　　　{office}", f"　　　　{write_date(rng, sc.when)}"])
    return wrap_lines(rng, text), fields_of(None, sc, unit=office, case_number=None, case_name=None)


def _service_receipt(rng: random.Random, sc: Scenario) -> tuple[str, dict]:
    """A 送达回证 or a lawyer's 调查令 receipt returned through the proper channel."""
    name = person_name(rng)
    doc = rng.choice(("判决书", "执行通知书", "开庭传票", "受理案件通知书", "调查令"))
    text = "\n".join([rng.choice(("送达回证", "文书送达回执", "调查令回执")), f"案号：{sc.case.written or ''}",
                      f"送达文书：{doc}", f"受送达人：{name}", f"签收时间：{write_date(rng, sc.when, 'arabic')}",
                      f"备注：{rng.choice(('本人签收', '由其家属代收', '已按规定邮寄送达'))}", f"送达人：{sc.recorder}"])
    return text, {**fields_of(None, sc), "name": name, "case_number": sc.case.number, "case_name": None}


def _procedural_supervision(rng: random.Random, sc: Scenario) -> tuple[str, dict]:
    """A court leader's supervision through the proper procedure (on the case platform, on the record)."""
    title = rng.choice(("庭长", "副院长", "审判委员会专职委员", "执行局局长"))
    name = person_name(rng)
    ref = case_ref(sc.case, rng, "written")
    body = rng.choice((
        f"根据《{sc.court.name}审判监督管理办法》，{ref}属于重大敏感案件，经{title}{name}提请，依法提交审判委员会讨论。讨论意见已记录在卷。",
        f"{title}{name}通过办案平台对{ref}的审限变更申请进行审批，审批意见已在系统中全程留痕。",
        f"按照院庭长阅核制度，{title}{name}对{ref}的裁判文书进行阅核，提出的意见已书面记入卷宗。",
    ))
    text = "\n".join([rng.choice(("审判监督管理情况登记", "院庭长监督管理记录", "审判管理工作记录")), f"　　{body}",
                      "　　（依法履行监督管理职责，不属于过问案件）" if rng.random() < 0.3 else "",
                      f"　　记录人：{sc.recorder}", f"　　{write_date(rng, sc.when)}"])
    fields = {**fields_of(None, sc), "name": name, "unit": "本院", "position": title}
    return "\n".join(line for line in text.split("\n") if line.strip()), fields


def _wechat_notice(rng: random.Random, sc: Scenario) -> tuple[str, dict]:
    """A work-group message about a meeting or an SMS from the 12368 service line: no case, no demand."""
    sender = person_name(rng)
    t = datetime(sc.when.year, sc.when.month, sc.when.day, rng.randint(8, 20), rng.randint(0, 59))
    message = rng.choice(("各位同事，明天上午九点在三楼会议室召开全院干警大会，请准时参加。", "请各庭室今天下班前报送本月结案数据。",
                          "提醒：本周五进行消防演练，请提前安排好工作。"))
    text = "\n".join(["微信工作群消息记录", f"{t:%Y-%m-%d %H:%M} {sender}：{message}"])
    return text, {**fields_of(None, sc), "name": sender, "case_number": None, "case_name": None}


NOT_INTERVENTION_BY_FORM = {
    "LETTER": (_notice, _assist_receipt, _file_request, _filed_material, _misc, _internal_notice),
    "DOCUMENT": (_notice, _assist_receipt, _file_request, _internal_notice, _procedural_supervision),
    "SMS_IM": (_email_notice, _wechat_notice),
    "PHONE": (_phone_enquiry,),
    "OTHER": (_misc, _filed_material, _service_receipt),
}


# ================================================================================================
# One record
# ================================================================================================
def render(rng: random.Random, sc: Scenario) -> tuple[str, dict]:
    """Text and fields for a scenario; may add the SR04/SR15 a 纪要/督办单 implies to ``sc``."""
    t, f = sc.itype, sc.form
    if t == "NOT_INTERVENTION":
        return rng.choice(NOT_INTERVENTION_BY_FORM[f])(rng, sc)
    if t == "EXEMPT_ENTRUSTED":
        return render_exempt(rng, sc)
    if t == "PARTY_RELATED":
        return render_party(rng, sc)
    if t == "EXT_ORG" and f == "LETTER":
        return render_org_letter(rng, sc)
    if t == "EXT_ORG" and f == "DOCUMENT":
        return render_minutes(rng, sc)
    actor = actor_for(rng, sc)
    if f == "DOCUMENT":
        return render_instruction(rng, sc, actor)
    if f != "LETTER" and rng.random() < REPORT_SHARE:
        return judge_report(rng, sc, actor)
    return RECORD_RENDERERS[f](rng, sc, actor)


def make_record(rng: random.Random, index: int, seed: int, itype: str | None = None, form: str | None = None) -> dict:
    """One corpus record (the JSON schema of ``train.jsonl``)."""
    sc = draw_scenario(rng, itype, form)
    text, fields = render(rng, sc)
    fields = {k: (v or None) for k, v in fields.items()}
    if rng.random() < NOISY_SHARE:
        text = ocr_noise(rng, text, protected=(*(str(v) for v in fields.values() if v), sc.case.written or ""))
    return {"id": f"gen{seed}-{index:05d}", "form": sc.form, "text": text.strip(), "intervener_type": sc.itype,
            "special_report": sc.special_report, "internal_behaviours": sc.internal_behaviours, "fields": fields}


def generate(n: int = 3000, seed: int = 7) -> list[dict]:
    """``n`` records, deterministic for ``seed``. Every (type, form) pair allowed in FORM_WEIGHTS is made at
    least once before the rest are drawn by weight, so every type, form and label is covered."""
    rng = random.Random(seed)
    pairs = [(t, f) for t, forms in FORM_WEIGHTS.items() for f in forms]
    records = [make_record(rng, i, seed, t, f) for i, (t, f) in enumerate(pairs[:n])]
    records += [make_record(rng, i, seed) for i in range(len(records), n)]
    rng.shuffle(records)
    return records


def coverage(records: list[dict]) -> dict[str, dict[str, int]]:
    """Counts per type, form, SR and IB code (every code listed, zero when absent)."""
    out = {"types": dict.fromkeys(INTERVENER_TYPES, 0), "forms": dict.fromkeys(FORMS, 0),
           "special_report": dict.fromkeys(SPECIAL_REPORT, 0), "internal_behaviours": dict.fromkeys(INTERNAL_BEHAVIOURS, 0)}
    for r in records:
        out["types"][r["intervener_type"]] += 1
        out["forms"][r["form"]] += 1
        for c in r["special_report"]:
            out["special_report"][c] += 1
        for c in r["internal_behaviours"]:
            out["internal_behaviours"][c] += 1
    return out


def write_jsonl(records: list[dict], path: Path) -> None:
    """Write ``records`` one JSON object a line, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    tmp.replace(path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="生成训练语料 (generate the synthetic training corpus)")
    parser.add_argument("--out", type=Path, default=DEFAULT_PATH)
    parser.add_argument("--n", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    records = generate(args.n, args.seed)
    write_jsonl(records, args.out)
    print(json.dumps({"written": len(records), "out": str(args.out), **coverage(records)}, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
