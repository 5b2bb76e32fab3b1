"""The commands the `repair` script offers: name → (module, attribute, one-line help), imported on first use.

Nothing here imports a command module, so `repair --help` and a light command such as `repair uscc check` never
load WeasyPrint, pyHanko, Flask, openpyxl or SQLAlchemy (see tests/integration/test_cli_startup.py). The help
line is the first line of the command's docstring (a test keeps them equal).
"""

COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("repair.cli.setup", "init", "创建或升级数据库并生成开发用印章密钥 / create or migrate the database (idempotent)."),
    "demo": ("repair.cli.setup", "demo", "载入演示数据并打印演示账号 / load demo data and print the demo logins."),
    "serve": ("repair.cli.setup", "serve", "用生产级 WSGI 服务器（gunicorn）运行网站 / run the web app under gunicorn."),
    "uscc": ("repair.cli.rules", "uscc", "统一社会信用代码 / unified social credit code."),
    "calendar": ("repair.cli.calendar", "calendar", "工作日日历 / working-day calendar."),
    "rules": ("repair.cli.rules", "rules", "公示期规则 / publicity-window rules by effective date."),
    "workflows": ("repair.cli.workflows", "workflows", "流程定义 / workflow definitions."),
    "case": ("repair.cli.cases", "case", "信用修复案件 / repair cases."),
    "records": ("repair.cli.cases", "records", "失信信息记录 / published records."),
    "users": ("repair.cli.users", "users", "用户与角色 / users and roles."),
    "audit": ("repair.cli.audit", "audit", "审计 / audit."),
    "seal": ("repair.cli.seal", "seal", "电子印章 / electronic seals."),
    "letters": ("repair.cli.letters", "letters", "文书与两书同达 / documents and paired delivery."),
    "import": ("repair.cli.imports", "import_", "导入处罚信息与履行信息 / import penalty records and fulfilment data."),
    "sync": ("repair.cli.sync", "sync", "修复结论同步与互认 / sync of repair conclusions with the credit portals."),
    "departments": ("repair.cli.departments", "departments",
                    "认定单位 / departments (full names, USCC, channels) from the department file."),
    "worker": ("repair.cli.cluster", "worker", "运行后台作业（PostgreSQL）/ run background jobs from the shared PostgreSQL queue."),
    "blobs": ("repair.cli.cluster", "blobs", "文书与材料文件库 / blob stores of documents and uploads."),
}
