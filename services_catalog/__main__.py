from services_catalog.cli import main

raise SystemExit(main())
